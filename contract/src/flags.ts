/**
 * The command line of each command as data: flag name (the environment variable is derived, `envName`), what it is
 * for, the rule its value must follow and its default. The emulator parses its argv with these specs; the constructs
 * and the webhook use the names and defaults to write command lines for the containers they create.
 */
import { enumRule, intRule, predicateRule, type Rule } from './rule';
import {
  AUDIENCE,
  BOOLEAN,
  CLASSIC_JOB_PODS,
  CONFIG_KEY,
  DNS1035_LABEL,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  HTTP_TOKENS,
  HTTP_URL,
  IMAGE_PULL_POLICY,
  IMAGE_REFERENCE,
  LOG_LEVEL,
  PORT,
  QUANTITY,
  REGION,
  ROLE_ARN,
  SESSION_DURATION,
  SIDECAR_MODE,
  TOKEN_EXPIRATION,
  ZONE,
} from './rules';

/** A `--name <value>` flag; parsed to T. An empty value counts as not set. */
export interface Flag<T> {
  readonly name: string;
  readonly description: string;
  readonly rule: Rule<T>;
  readonly default?: T;
  /** Set for a flag without a default that must be given: an example value for the error. */
  readonly requiredExample?: string;
}

/** A `--name` flag without a value; true when given (or its environment variable is set). */
export interface Switch {
  readonly name: string;
  readonly description: string;
  readonly switch: true;
}

export type FlagSpec = Readonly<Record<string, Flag<unknown> | Switch>>;

/** Any non-empty text. */
export const TEXT = predicateRule('a non-empty value', (value) => value !== '');

function flag<T>(name: string, description: string, rule: Rule<T>): Flag<T>;
function flag<T>(name: string, description: string, rule: Rule<T>, def: T): Flag<T> & { readonly default: T };
function flag<T>(name: string, description: string, rule: Rule<T>, def?: T): Flag<T> {
  return def === undefined ? { name, description, rule } : { name, description, rule, default: def };
}

function required<T>(
  name: string,
  description: string,
  rule: Rule<T>,
  example: string,
): Flag<T> & { readonly requiredExample: string } {
  return { name, description, rule, requiredExample: example };
}

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_LOG_LEVEL = 'info' as const;
export const EXAMPLE_ROLE_ARN = 'arn:aws:iam::123456789012:role/my-app';

const logLevel = flag(
  'log-level',
  'trace, debug, info, warn, error, fatal or silent',
  LOG_LEVEL,
  DEFAULT_LOG_LEVEL,
);

/** `imds-emulator sidecar`. */
export const SIDECAR_FLAGS = {
  roleArn: required(
    'role-arn',
    'IAM role to assume, arn:<partition>:iam::<account>:role/<path/>name (required)',
    ROLE_ARN,
    EXAMPLE_ROLE_ARN,
  ),
  tokenFile: flag(
    'token-file',
    'projected service-account token, re-read for every STS call',
    TEXT,
    '/var/run/secrets/imds-emulator/token',
  ),
  port: flag('port', 'IMDS port, bound to 127.0.0.1 and ::1 only', PORT, 16925),
  healthPort: flag('health-port', 'port for /healthz, /readyz, /metrics (all interfaces)', PORT, 16926),
  region: flag('region', `STS region (default: AWS_REGION, else ${DEFAULT_REGION})`, REGION),
  stsEndpoint: flag(
    'sts-endpoint',
    'STS endpoint URL (default: the regional endpoint of --region)',
    HTTP_URL,
  ),
  httpTokens: flag('http-tokens', 'optional or required (IMDSv2 only)', HTTP_TOKENS, 'optional'),
  sessionDuration: flag(
    'session-duration',
    `STS DurationSeconds, ${SESSION_DURATION.min}..${SESSION_DURATION.max}`,
    SESSION_DURATION,
    3600,
  ),
  serveRegion: flag(
    'serve-region',
    'true: also answer placement/region and the instance identity document (false: 404, as GKE)',
    BOOLEAN,
    'false',
  ),
  availabilityZone: flag(
    'availability-zone',
    "the node's zone, served as placement/availability-zone with --serve-region when it is in --region",
    ZONE,
  ),
  podNamespace: flag('pod-namespace', "the pod's namespace (downward API), for the STS session name", TEXT),
  podName: flag(
    'pod-name',
    "the pod's name (downward API; default: the host name), for the session name",
    TEXT,
  ),
  serviceAccount: flag('service-account', "the pod's service account (downward API), for logs", TEXT),
  drainSeconds: flag(
    'drain-seconds',
    'keep serving this long after SIGTERM, then exit 0',
    intRule(0, 3600),
    5,
  ),
  terminationMessagePath: flag(
    'termination-message-path',
    "written on exit without credentials: the last STS failure and its fix (the container's terminationMessagePath)",
    TEXT,
    '/dev/termination-log',
  ),
  logLevel,
  waitReady: {
    name: 'wait-ready',
    description:
      'do not serve: wait until the sidecar on --health-port is ready, then exit 0 (postStart hook)',
    switch: true,
  } as Switch,
};

const YEAR = 365 * 86400;

/** `imds-emulator webhook`. */
export const WEBHOOK_FLAGS = {
  port: flag('port', 'HTTPS port serving POST /mutate', PORT, 8443),
  healthPort: flag('health-port', 'HTTP port serving /healthz, /readyz, /metrics', PORT, 8081),
  bindAddress: flag('bind-address', 'address both servers listen on (default: all interfaces)', TEXT),
  certMode: flag(
    'cert-mode',
    'files (mounted Secret, e.g. cert-manager) or self-managed',
    enumRule(['files', 'self-managed'] as const),
    'files',
  ),
  tlsCert: flag('tls-cert', 'files mode: serving certificate', TEXT, '/etc/imds-emulator/tls/tls.crt'),
  tlsKey: flag('tls-key', 'files mode: serving key', TEXT, '/etc/imds-emulator/tls/tls.key'),
  certSecret: flag(
    'cert-secret',
    'self-managed: Secret in --namespace holding the CA and serving certificate',
    DNS1123_SUBDOMAIN,
  ),
  webhookConfiguration: flag(
    'webhook-configuration',
    'self-managed: MutatingWebhookConfiguration whose caBundle the webhook writes',
    DNS1123_SUBDOMAIN,
  ),
  serviceName: flag(
    'service-name',
    "self-managed: the webhook's Service name (certificate DNS names)",
    DNS1035_LABEL,
  ),
  namespace: flag('namespace', "the webhook's own namespace (default: POD_NAMESPACE env)", DNS1123_LABEL),
  caValiditySeconds: flag(
    'ca-validity-seconds',
    'self-managed: CA lifetime (10 years)',
    intRule(10, 100 * YEAR),
    10 * YEAR,
  ),
  certValiditySeconds: flag(
    'cert-validity-seconds',
    'self-managed: serving cert lifetime (1 year)',
    intRule(10, 10 * YEAR),
    YEAR,
  ),
  certSyncSeconds: flag(
    'cert-sync-seconds',
    'self-managed: how often each replica re-reads the Secret and the caBundle',
    intRule(1, 86400),
    60,
  ),
  image: required(
    'image',
    'image of the injected init and sidecar containers (required)',
    IMAGE_REFERENCE,
    'ghcr.io/imds-emulator/imds-emulator:0.1.0',
  ),
  imagePullPolicy: flag(
    'image-pull-policy',
    'Always, IfNotPresent or Never',
    IMAGE_PULL_POLICY,
    'IfNotPresent',
  ),
  sidecarMode: flag(
    'sidecar-mode',
    'native, classic or auto (from the API server version)',
    SIDECAR_MODE,
    'auto',
  ),
  sidecarPort: flag('sidecar-port', 'IMDS port of the injected sidecar', PORT, SIDECAR_FLAGS.port.default),
  sidecarHealthPort: flag(
    'sidecar-health-port',
    'health port of the injected sidecar',
    PORT,
    SIDECAR_FLAGS.healthPort.default,
  ),
  defaultRegion: flag(
    'default-region',
    'sidecar --region unless the pod annotation sets one',
    REGION,
    DEFAULT_REGION,
  ),
  defaultHttpTokens: flag(
    'default-http-tokens',
    'optional or required, unless annotated',
    HTTP_TOKENS,
    SIDECAR_FLAGS.httpTokens.default,
  ),
  defaultSessionDuration: flag(
    'default-session-duration',
    `seconds, ${SESSION_DURATION.min}..${SESSION_DURATION.max}, unless annotated`,
    SESSION_DURATION,
    SIDECAR_FLAGS.sessionDuration.default,
  ),
  defaultServeRegion: flag(
    'default-serve-region',
    'sidecar --serve-region (true or false) unless annotated',
    BOOLEAN,
    SIDECAR_FLAGS.serveRegion.default,
  ),
  stsEndpoint: flag('sts-endpoint', 'STS endpoint URL passed to every sidecar', HTTP_URL),
  stsCaBundleConfigmap: flag(
    'sts-ca-bundle-configmap',
    "ConfigMap (in each pod's namespace) whose --sts-ca-bundle-key the sidecars trust for --sts-endpoint",
    DNS1123_SUBDOMAIN,
  ),
  stsCaBundleSecret: flag(
    'sts-ca-bundle-secret',
    "Secret (in each pod's namespace) whose --sts-ca-bundle-key the sidecars trust for --sts-endpoint",
    DNS1123_SUBDOMAIN,
  ),
  stsCaBundleKey: flag('sts-ca-bundle-key', 'key of the CA bundle (PEM certificates)', CONFIG_KEY, 'ca.crt'),
  tokenAudience: flag(
    'token-audience',
    'projected service-account token audience',
    AUDIENCE,
    'sts.amazonaws.com',
  ),
  tokenExpiration: flag(
    'token-expiration',
    `projected token expirationSeconds (>= ${TOKEN_EXPIRATION.min})`,
    TOKEN_EXPIRATION,
    3600,
  ),
  // The sidecar's defaults, from what it was measured to use (BENCHMARKS.md "Pod", issue 18).
  // Idle it used 0.8-1.2 millicores on a real kubelet (its probes) and under 1 ms of CPU a minute in bench:pod.
  sidecarCpuRequest: flag('sidecar-cpu-request', 'injected sidecar CPU request', QUANTITY, '5m'),
  // Idle working set 17-23 MiB on a real kubelet; bench:pod: USS 14.4 MiB, PSS 18.0 MiB with 10 sharing the binary.
  sidecarMemoryRequest: flag('sidecar-memory-request', 'injected sidecar memory request', QUANTITY, '32Mi'),
  // Start-up takes 130-150 ms of CPU (bench:pod), which a 500m quota stretches to at least twice that.
  sidecarCpuLimit: flag('sidecar-cpu-limit', 'injected sidecar CPU limit', QUANTITY, '1'),
  // Peak RSS 64.8 MiB at start-up (bench:pod) and 72.9 MiB under 39,000 GETs/s (the retired bench:sidecar), with the
  // binary's pages.
  sidecarMemoryLimit: flag('sidecar-memory-limit', 'injected sidecar memory limit', QUANTITY, '128Mi'),
  classicJobPods: flag(
    'classic-job-pods',
    "deny or warn: a Job's pod that would get a classic sidecar, which keeps it from ever completing",
    CLASSIC_JOB_PODS,
    'deny',
  ),
  namespacePolicy: flag(
    'namespace-policy',
    'enforce the allowed-role-arns namespace annotation',
    BOOLEAN,
    'true',
  ),
  logLevel: { ...logLevel, description: 'pino level: trace, debug, info, warn, error, fatal, silent' },
};

/** `imds-emulator init`. */
export const INIT_FLAGS = {
  port: flag('port', "the sidecar's IMDS port on loopback", PORT, SIDECAR_FLAGS.port.default),
  iptablesBackend: flag(
    'iptables-backend',
    'iptables backend; auto uses the one the namespace already uses',
    enumRule(['auto', 'nft', 'legacy'] as const),
    'auto',
  ),
  ipv6: flag(
    'ipv6',
    'also redirect [fd00:ec2::254]; auto: when the namespace has IPv6',
    enumRule(['auto', 'on', 'off'] as const),
    'auto',
  ),
};

/** Where IMDS answers in every pod: EC2's link-local addresses, which the init step redirects to the sidecar. */
export const IMDS_ENDPOINT = 'http://169.254.169.254';
export const IMDS_IPV6_ENDPOINT = 'http://[fd00:ec2::254]';

/** `imds-emulator check`. */
export const CHECK_FLAGS = {
  endpoint: flag(
    'endpoint',
    "IMDS address to check (with the redirect annotation env: the pod's AWS_EC2_METADATA_SERVICE_ENDPOINT)",
    HTTP_URL,
    IMDS_ENDPOINT,
  ),
  ipv6: flag(
    'ipv6',
    'also check --ipv6-endpoint; auto: when the pod has IPv6, as the init step decides',
    INIT_FLAGS.ipv6.rule,
    INIT_FLAGS.ipv6.default,
  ),
  ipv6Endpoint: flag('ipv6-endpoint', 'the IPv6 IMDS address to check', HTTP_URL, IMDS_IPV6_ENDPOINT),
  httpTokens: flag(
    'http-tokens',
    "the pod's http-tokens (optional or required): IMDSv1 must then be served or refused (default: either)",
    HTTP_TOKENS,
  ),
  sts: flag('sts', 'STS endpoint URL: also sign sts:GetCallerIdentity with the served credentials', HTTP_URL),
  region: flag(
    'region',
    `signing region of the --sts call (default: AWS_REGION, else ${DEFAULT_REGION})`,
    REGION,
  ),
  json: { name: 'json', description: 'print one JSON object instead of lines', switch: true } as Switch,
};
