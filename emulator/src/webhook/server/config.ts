/**
 * The `imds-emulator webhook` command line as data, and its validation. Pure: it turns the raw strings commander
 * collected (flag, else IMDS_EMULATOR_* env, else default) into a typed config, or throws an error naming the flag.
 */
import { envName, type FlagSpec, optionKey } from '../../common/flags';
import type { InjectionSettings, SidecarMode } from '../admission';

export { envName, optionKey };

export const WEBHOOK_FLAGS: readonly FlagSpec[] = [
  { name: 'port', default: '8443', description: 'HTTPS port serving POST /mutate' },
  { name: 'health-port', default: '8081', description: 'HTTP port serving /healthz, /readyz, /metrics' },
  {
    name: 'bind-address',
    description: 'address both servers listen on (default: all interfaces)',
  },
  {
    name: 'cert-mode',
    default: 'files',
    description: 'files (mounted Secret, e.g. cert-manager) or self-managed',
  },
  {
    name: 'tls-cert',
    default: '/etc/imds-emulator/tls/tls.crt',
    description: 'files mode: serving certificate',
  },
  { name: 'tls-key', default: '/etc/imds-emulator/tls/tls.key', description: 'files mode: serving key' },
  {
    name: 'cert-secret',
    description: 'self-managed: Secret in --namespace holding the CA and serving certificate',
  },
  {
    name: 'webhook-configuration',
    description: 'self-managed: MutatingWebhookConfiguration whose caBundle the webhook writes',
  },
  { name: 'service-name', description: "self-managed: the webhook's Service name (certificate DNS names)" },
  { name: 'namespace', description: "the webhook's own namespace (default: POD_NAMESPACE env)" },
  { name: 'ca-validity-seconds', default: '315360000', description: 'self-managed: CA lifetime (10 years)' },
  {
    name: 'cert-validity-seconds',
    default: '31536000',
    description: 'self-managed: serving cert lifetime (1 year)',
  },
  {
    name: 'cert-sync-seconds',
    default: '60',
    description: 'self-managed: how often each replica re-reads the Secret and the caBundle',
  },
  { name: 'image', description: 'image of the injected init and sidecar containers (required)' },
  { name: 'image-pull-policy', default: 'IfNotPresent', description: 'Always, IfNotPresent or Never' },
  {
    name: 'sidecar-mode',
    default: 'auto',
    description: 'native, classic or auto (from the API server version)',
  },
  { name: 'sidecar-port', default: '16925', description: 'IMDS port of the injected sidecar' },
  { name: 'sidecar-health-port', default: '16926', description: 'health port of the injected sidecar' },
  {
    name: 'default-region',
    default: 'us-east-1',
    description: 'sidecar --region unless the pod annotation sets one',
  },
  { name: 'default-http-tokens', default: 'optional', description: 'optional or required, unless annotated' },
  { name: 'default-session-duration', default: '3600', description: 'seconds, 900..43200, unless annotated' },
  { name: 'sts-endpoint', description: 'STS endpoint URL passed to every sidecar' },
  {
    name: 'token-audience',
    default: 'sts.amazonaws.com',
    description: 'projected service-account token audience',
  },
  { name: 'token-expiration', default: '3600', description: 'projected token expirationSeconds (>= 600)' },
  // The sidecar's defaults, from what it was measured to use (BENCHMARKS.md "Pod", issue 18). The chart and the
  // constructs repeat them: scripts/chart/values.ts, constructs/src/emulator.ts.
  // Idle it used 0.8-1.2 millicores on a real kubelet (its probes) and under 1 ms of CPU a minute in bench:pod.
  { name: 'sidecar-cpu-request', default: '5m', description: 'injected sidecar CPU request' },
  // Idle working set 17-23 MiB on a real kubelet; bench:pod: USS 14.4 MiB, PSS 18.0 MiB with 10 sharing the binary.
  { name: 'sidecar-memory-request', default: '32Mi', description: 'injected sidecar memory request' },
  // Start-up takes 130-150 ms of CPU (bench:pod), which a 500m quota stretches to at least twice that.
  { name: 'sidecar-cpu-limit', default: '1', description: 'injected sidecar CPU limit' },
  // Peak RSS 64.8 MiB at start-up (bench:pod) and 72.9 MiB under 39,000 GETs/s (the retired bench:sidecar), with the
  // binary's pages.
  { name: 'sidecar-memory-limit', default: '128Mi', description: 'injected sidecar memory limit' },
  {
    name: 'namespace-policy',
    default: 'true',
    description: 'enforce the allowed-role-arns namespace annotation',
  },
  {
    name: 'log-level',
    default: 'info',
    description: 'pino level: trace, debug, info, warn, error, fatal, silent',
  },
];

export type CertSource =
  | { mode: 'files'; certFile: string; keyFile: string }
  | {
      mode: 'self-managed';
      secretName: string;
      webhookConfiguration: string;
      serviceName: string;
      namespace: string;
      caValiditySeconds: number;
      certValiditySeconds: number;
      syncSeconds: number;
    };

export interface WebhookConfig {
  port: number;
  healthPort: number;
  bindAddress?: string;
  certs: CertSource;
  namespace?: string;
  sidecarMode: SidecarMode | 'auto';
  logLevel: string;
  settings: InjectionSettings;
}

export class ConfigError extends Error {}

type Raw = Record<string, string | undefined>;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
// Kubernetes resource quantities (binary/decimal suffixes, optional fraction), as the API server accepts them.
const QUANTITY = /^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
// RFC 1123 label / subdomain, as Kubernetes names of Services, Secrets and namespaces must be.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$/;

function fail(flag: string, message: string): never {
  throw new ConfigError(`--${flag}: ${message}`);
}

function str(raw: Raw, flag: string): string | undefined {
  const value = raw[optionKey(flag)];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required(raw: Raw, flag: string, why: string): string {
  return str(raw, flag) ?? fail(flag, `is required ${why} (or set ${envName(flag)})`);
}

function int(raw: Raw, flag: string, min: number, max: number): number {
  const value = str(raw, flag) ?? fail(flag, 'is required');
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    fail(flag, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function oneOf<T extends string>(raw: Raw, flag: string, allowed: readonly T[]): T {
  const value = str(raw, flag) ?? fail(flag, 'is required');
  if (!(allowed as readonly string[]).includes(value)) {
    fail(flag, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function quantity(raw: Raw, flag: string): string {
  const value = str(raw, flag) ?? fail(flag, 'is required');
  if (!QUANTITY.test(value))
    fail(flag, `must be a Kubernetes quantity such as 10m, 0.5 or 64Mi, got "${value}"`);
  return value;
}

function name(raw: Raw, flag: string, pattern: RegExp, why: string): string {
  const value = required(raw, flag, why);
  if (!pattern.test(value))
    fail(flag, `must be a valid Kubernetes name (lowercase, digits, '-'), got "${value}"`);
  return value;
}

function certSource(raw: Raw, namespace: string | undefined): CertSource {
  const mode = oneOf(raw, 'cert-mode', ['files', 'self-managed'] as const);
  if (mode === 'files') {
    return {
      mode,
      certFile: required(raw, 'tls-cert', 'in files mode'),
      keyFile: required(raw, 'tls-key', 'in files mode'),
    };
  }
  const why = 'with --cert-mode self-managed';
  const certValiditySeconds = int(raw, 'cert-validity-seconds', 10, 10 * 365 * 86400);
  const caValiditySeconds = int(raw, 'ca-validity-seconds', 10, 100 * 365 * 86400);
  if (caValiditySeconds < certValiditySeconds) {
    fail('ca-validity-seconds', `must be at least --cert-validity-seconds (${certValiditySeconds})`);
  }
  return {
    mode,
    secretName: name(raw, 'cert-secret', DNS_SUBDOMAIN, why),
    webhookConfiguration: name(raw, 'webhook-configuration', DNS_SUBDOMAIN, why),
    serviceName: name(raw, 'service-name', DNS_LABEL, why),
    namespace:
      namespace ?? fail('namespace', `is required ${why} (or set IMDS_EMULATOR_NAMESPACE or POD_NAMESPACE)`),
    caValiditySeconds,
    certValiditySeconds,
    syncSeconds: int(raw, 'cert-sync-seconds', 1, 86400),
  };
}

function stsEndpoint(raw: Raw): string | undefined {
  const value = str(raw, 'sts-endpoint');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(
      'sts-endpoint',
      `must be an http(s) URL such as https://sts.eu-west-1.amazonaws.com, got "${value}"`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail('sts-endpoint', `must be an http(s) URL, got "${value}"`);
  }
  return value;
}

/**
 * Validates the raw option values (already merged flag > env > default by commander). `env` supplies POD_NAMESPACE,
 * the downward-API fallback for --namespace.
 */
export function parseWebhookConfig(raw: Raw, env: Record<string, string | undefined> = {}): WebhookConfig {
  const image = required(raw, 'image', 'to know which image to inject');
  if (/\s/.test(image)) fail('image', `must be an image reference without spaces, got "${image}"`);
  const namespaceValue = str(raw, 'namespace') ?? (env.POD_NAMESPACE?.trim() || undefined);
  if (namespaceValue !== undefined && !DNS_LABEL.test(namespaceValue)) {
    fail('namespace', `must be a valid namespace name, got "${namespaceValue}"`);
  }
  const region = str(raw, 'default-region') ?? fail('default-region', 'is required');
  if (!REGION.test(region))
    fail('default-region', `must be an AWS region such as eu-west-1, got "${region}"`);
  const audience = str(raw, 'token-audience') ?? fail('token-audience', 'is required');
  const namespacePolicy = oneOf(raw, 'namespace-policy', ['true', 'false'] as const) === 'true';
  const port = int(raw, 'port', 1, 65535);
  const healthPort = int(raw, 'health-port', 1, 65535);
  if (port === healthPort) fail('health-port', `must differ from --port (${port})`);
  const sidecarPort = int(raw, 'sidecar-port', 1, 65535);
  const sidecarHealthPort = int(raw, 'sidecar-health-port', 1, 65535);
  if (sidecarPort === sidecarHealthPort)
    fail('sidecar-health-port', `must differ from --sidecar-port (${sidecarPort})`);
  return {
    port,
    healthPort,
    bindAddress: str(raw, 'bind-address'),
    certs: certSource(raw, namespaceValue),
    namespace: namespaceValue,
    sidecarMode: oneOf(raw, 'sidecar-mode', ['auto', 'native', 'classic'] as const),
    logLevel: oneOf(raw, 'log-level', LOG_LEVELS),
    settings: {
      image,
      imagePullPolicy: oneOf(raw, 'image-pull-policy', ['Always', 'IfNotPresent', 'Never'] as const),
      sidecarPort,
      sidecarHealthPort,
      defaultRegion: region,
      defaultHttpTokens: oneOf(raw, 'default-http-tokens', ['optional', 'required'] as const),
      defaultSessionDuration: int(raw, 'default-session-duration', 900, 43200),
      stsEndpoint: stsEndpoint(raw),
      tokenAudience: audience,
      tokenExpirationSeconds: int(raw, 'token-expiration', 600, 2 ** 31 - 1),
      resources: {
        cpuRequest: quantity(raw, 'sidecar-cpu-request'),
        memoryRequest: quantity(raw, 'sidecar-memory-request'),
        cpuLimit: quantity(raw, 'sidecar-cpu-limit'),
        memoryLimit: quantity(raw, 'sidecar-memory-limit'),
      },
      enforceNamespacePolicy: namespacePolicy,
    },
  };
}
