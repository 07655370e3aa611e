/**
 * The chart's values: one model from which values.yaml, values.schema.json and the README table are generated, and
 * the single mapping from values to {@link ImdsEmulatorProps} used both to generate the templates and to test them.
 */
import {
  AUDIENCE,
  CERTIFICATE_MODE,
  CLASSIC_JOB_PODS,
  CONFIG_KEY,
  CPU,
  DEFAULT_FAILURE_POLICY,
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  DEFAULT_ISSUER_GROUP,
  DEFAULT_ISSUER_KIND,
  DEFAULT_REPLICAS,
  DEFAULT_TIMEOUT_SECONDS,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  FAILURE_POLICY,
  HTTP_TOKENS,
  HTTP_URL,
  IMAGE_DIGEST,
  IMAGE_PULL_POLICY,
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  INSTALL_NAME,
  type IntRule,
  ISSUER_KIND,
  type JsonSchema,
  LOG_LEVEL,
  MEMORY,
  PORT,
  REGION,
  REPLICAS,
  type Resources,
  ROLE_ARN,
  type Rule,
  SESSION_DURATION,
  SIDECAR_MODE,
  SIDECAR_RESOURCES,
  TIMEOUT_SECONDS,
  TOKEN_EXPIRATION,
  WEBHOOK_FLAGS,
  WEBHOOK_RESOURCES,
} from '@imds-emulator/contract';
import { Duration } from 'cdk8s';
import type { ImagePullPolicy } from 'cdk8s-plus-27';
import { ConfigMap, Secret } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import {
  CertificateMode,
  type CertManagerIssuer,
  type ClassicJobPods,
  type FailurePolicy,
  type HttpTokens,
  type ImdsEmulatorProps,
  type LogLevel,
  type SidecarMode,
  StsCaBundle,
  WebhookCertificate,
} from '../../constructs/src';
import { cpuOf, sizeOf } from '../../constructs/src/quantity';

export const CHART_NAME = 'imds-emulator';

/** A leaf of the values tree: its default, documentation, JSON schema and the Helm expression that reads it. */
export interface Leaf {
  readonly default: unknown;
  readonly doc: string;
  readonly schema: Record<string, unknown>;
}

/** A group of values (a YAML mapping). */
export interface Group {
  readonly doc: string;
  readonly children: Record<string, Leaf | Group>;
  /** A JSON Schema constraint across the children. */
  readonly constraint?: Record<string, unknown>;
}

export function isGroup(n: Leaf | Group): n is Group {
  return 'children' in n;
}

/** The rule's exact JSON Schema; a rule without one (a predicate) cannot back a chart value. */
function exact(rule: Rule<unknown>): JsonSchema {
  if (!rule.schema) throw new Error(`the rule "${rule.expected}" has no JSON Schema`);
  return rule.schema;
}

const leaf = (def: unknown, doc: string, schema: object): Leaf => ({
  default: def,
  doc,
  schema: { ...schema },
});
const str = (rule: Rule<string>, def: string, doc: string): Leaf => leaf(def, doc, exact(rule));
const int = (rule: IntRule, def: number, doc: string): Leaf => leaf(def, doc, rule.schema);
/** A string that is either empty (not set) or valid: the rule's pattern made optional. */
const optional = (rule: Rule<unknown>, doc: string): Leaf => {
  const schema = exact(rule);
  const inner = schema.pattern?.replace(/^\^/, '').replace(/\$$/, '');
  return leaf('', doc, { ...schema, pattern: `^(${inner})?$` });
};
const resources = (doc: string, defaults: Resources): Group => {
  const pair = (d: string, cpu: string, memory: string): Group => ({
    doc: `${d === 'request' ? 'Requests' : 'Limits'}.`,
    children: {
      cpu: str(CPU, cpu, `CPU ${d}: millicores ("50m") or cores ("0.5").`),
      memory: str(MEMORY, memory, `Memory ${d}: a whole number of Ki, Mi, Gi, Ti or Pi.`),
    },
  });
  return {
    doc,
    children: {
      requests: pair('request', defaults.cpuRequest, defaults.memoryRequest),
      limits: pair('limit', defaults.cpuLimit, defaults.memoryLimit),
    },
  };
};

/** The labels the chart puts on the webhook pods itself (a test checks them against the rendered pods). */
export const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'helm.sh/chart',
];
const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };
/** A Kubernetes block passed through as it is (`toYaml`); the tests validate it against the Kubernetes schema. */
const block = (
  def: object,
  doc: string,
  schema: object = { type: Array.isArray(def) ? 'array' : 'object' },
) => leaf(def, doc, schema);

/** Every value of the chart, with its default. */
export const VALUES_MODEL: Group = {
  doc: '',
  children: {
    fullnameOverride: optional(
      INSTALL_NAME,
      'Name of every object (cluster-scoped ones get the namespace as prefix). Default: the release name if it contains "imds-emulator", else "<release>-imds-emulator"; truncated to 52 characters.',
    ),
    image: {
      doc: 'Image of the webhook and of the containers it injects.',
      children: {
        repository: str(IMAGE_REPOSITORY, DEFAULT_IMAGE_REPOSITORY, 'Image repository.'),
        tag: str(IMAGE_TAG, DEFAULT_IMAGE_TAG, 'Image tag (quote it: a number is rejected).'),
        digest: optional(IMAGE_DIGEST, 'Optional digest, rendered as repository:tag@digest.'),
        pullPolicy: str(
          IMAGE_PULL_POLICY,
          WEBHOOK_FLAGS.imagePullPolicy.default,
          'Pull policy of the webhook and the injected containers.',
        ),
      },
    },
    imagePullSecrets: block(
      [],
      'Secrets with registry credentials for the webhook image, e.g. [{name: regcred}].',
      {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: exact(DNS1123_SUBDOMAIN) },
        },
      },
    ),
    replicaCount: int(
      REPLICAS,
      DEFAULT_REPLICAS,
      'Webhook replicas. A PodDisruptionBudget (minAvailable 1) is rendered when above 1.',
    ),
    resources: resources('Resources of the webhook container.', WEBHOOK_RESOURCES),
    priorityClassName: optional(
      DNS1123_SUBDOMAIN,
      'priorityClassName of the webhook pods, e.g. system-cluster-critical. Empty: none.',
    ),
    logLevel: str(LOG_LEVEL, WEBHOOK_FLAGS.logLevel.default, 'Log level of the webhook.'),
    nodeSelector: block({}, 'nodeSelector of the webhook pods.', STRING_MAP),
    tolerations: block([], 'Tolerations of the webhook pods.'),
    affinity: block({}, 'Affinity of the webhook pods.'),
    topologySpreadConstraints: block(
      [],
      'Topology spread constraints of the webhook pods. Empty: a soft spread across nodes and zones.',
    ),
    podAnnotations: block({}, 'Extra annotations of the webhook pods.', STRING_MAP),
    podLabels: block({}, 'Extra labels of the webhook pods (not the standard ones, which the chart sets).', {
      ...STRING_MAP,
      propertyNames: { not: { enum: STANDARD_LABELS } },
    }),
    serviceAccount: {
      doc: "The webhook's ServiceAccount.",
      children: { annotations: block({}, 'Annotations of the ServiceAccount.', STRING_MAP) },
    },
    namespacePolicy: {
      doc: 'The allowed-role-arns namespace annotation.',
      children: {
        enabled: leaf(
          WEBHOOK_FLAGS.namespacePolicy.default === 'true',
          'Enforce it: a pod whose role is not allowed by its namespace is refused.',
          { type: 'boolean' },
        ),
      },
    },
    classicJobPods: str(
      CLASSIC_JOB_PODS,
      WEBHOOK_FLAGS.classicJobPods.default,
      "deny or warn: a Job's pod that would get a classic sidecar, which keeps it from ever completing.",
    ),
    webhook: {
      doc: 'The MutatingWebhookConfiguration.',
      children: {
        failurePolicy: str(
          FAILURE_POLICY,
          DEFAULT_FAILURE_POLICY,
          'Fail: an opted-in pod is never created without its emulator.',
        ),
        timeoutSeconds: int(TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS, 'Webhook call timeout in seconds.'),
        excludedNamespaces: leaf(
          [],
          'Namespaces never sent to the webhook, besides the release namespace and kube-system (always excluded).',
          { type: 'array', items: exact(DNS1123_LABEL) },
        ),
      },
    },
    certificate: {
      doc: "The webhook's TLS certificate.",
      children: {
        mode: str(
          CERTIFICATE_MODE,
          CertificateMode.SELF_MANAGED,
          'selfManaged: the webhook creates and rotates its own CA and certificate (nothing else needed). certManager: cert-manager issues it and injects the CA.',
        ),
        certManager: {
          doc: 'certManager mode only.',
          children: {
            issuer: {
              doc: 'Issuer of the serving certificate.',
              children: {
                name: optional(
                  DNS1123_SUBDOMAIN,
                  'Name of your Issuer or ClusterIssuer. Empty: a self-signed Issuer is created.',
                ),
                kind: str(
                  ISSUER_KIND,
                  DEFAULT_ISSUER_KIND,
                  'Issuer or ClusterIssuer (or an external issuer kind).',
                ),
                group: str(DNS1123_SUBDOMAIN, DEFAULT_ISSUER_GROUP, 'API group of the issuer.'),
              },
            },
          },
        },
      },
    },
    sidecar: {
      doc: 'Defaults for the injected sidecars (pod annotations override region, httpTokens and sessionDuration).',
      children: {
        mode: str(
          SIDECAR_MODE,
          WEBHOOK_FLAGS.sidecarMode.default,
          'native (init container with restartPolicy Always, k8s >= 1.29), classic or auto.',
        ),
        region: str(REGION, WEBHOOK_FLAGS.defaultRegion.default, 'AWS region of the STS endpoint.'),
        httpTokens: str(
          HTTP_TOKENS,
          WEBHOOK_FLAGS.defaultHttpTokens.default,
          'optional (IMDSv1 and v2) or required (IMDSv2 only).',
        ),
        sessionDuration: int(
          SESSION_DURATION,
          WEBHOOK_FLAGS.defaultSessionDuration.default,
          'STS session duration in seconds.',
        ),
        tokenAudience: str(
          AUDIENCE,
          WEBHOOK_FLAGS.tokenAudience.default,
          'Audience of the projected service-account token.',
        ),
        tokenExpiration: int(
          TOKEN_EXPIRATION,
          WEBHOOK_FLAGS.tokenExpiration.default,
          'expirationSeconds of the projected service-account token.',
        ),
        serveRegion: leaf(
          WEBHOOK_FLAGS.defaultServeRegion.default === 'true',
          'Also answer the region and identity paths (placement/region, the instance identity document).',
          { type: 'boolean' },
        ),
        stsEndpoint: optional(
          HTTP_URL,
          'STS endpoint URL for every sidecar (e.g. a VPC endpoint). Empty: the regional endpoint.',
        ),
        port: int(
          PORT,
          WEBHOOK_FLAGS.sidecarPort.default,
          "IMDS port of the injected sidecar (on the pod's loopback).",
        ),
        healthPort: int(
          PORT,
          WEBHOOK_FLAGS.sidecarHealthPort.default,
          'Health port of the injected sidecar (not the same as port: the webhook would refuse to start).',
        ),
        stsCaBundle: {
          doc: "CA certificates (PEM) the sidecars trust for stsEndpoint, from a ConfigMap or a Secret in each opted-in pod's namespace (e.g. distributed by trust-manager); mounted into the sidecar and named by NODE_EXTRA_CA_CERTS.",
          children: {
            configMap: optional(
              DNS1123_SUBDOMAIN,
              "ConfigMap (in each opted-in pod's namespace, e.g. from trust-manager) whose key holds PEM CA certificates the sidecars trust for stsEndpoint (mounted, NODE_EXTRA_CA_CERTS). Empty: none.",
            ),
            secret: optional(DNS1123_SUBDOMAIN, 'Name of the Secret (not with configMap). Empty: none.'),
            key: str(CONFIG_KEY, WEBHOOK_FLAGS.stsCaBundleKey.default, 'Key of the bundle.'),
          },
          // Not both a ConfigMap and a Secret.
          constraint: {
            not: {
              properties: { configMap: { minLength: 1 }, secret: { minLength: 1 } },
              required: ['configMap', 'secret'],
            },
          },
        },
        resources: resources('Resources of each injected sidecar.', SIDECAR_RESOURCES),
      },
    },
    metrics: {
      doc: 'Prometheus Operator objects (they need the monitoring.coreos.com CRDs); docs/metrics.md.',
      children: {
        serviceMonitor: {
          doc: 'The webhook.',
          children: {
            enabled: leaf(false, 'A ServiceMonitor, and a metrics port on the webhook Service.', {
              type: 'boolean',
            }),
          },
        },
        podMonitor: {
          doc: 'The sidecars.',
          children: {
            enabled: leaf(
              false,
              "A PodMonitor scraping every opted-in pod's sidecar (port imds-metrics) in every namespace.",
              { type: 'boolean' },
            ),
          },
        },
        prometheusRule: {
          doc: 'The alerts.',
          children: {
            enabled: leaf(
              false,
              "A PrometheusRule with the alerts of docs/metrics.md (the webhook's select the ServiceMonitor's job).",
              { type: 'boolean' },
            ),
          },
        },
        grafanaDashboard: {
          doc: 'A Grafana dashboard.',
          children: {
            enabled: leaf(
              false,
              'A ConfigMap <fullname>-dashboard labelled grafana_dashboard: "1", for the Grafana dashboard sidecar (it must search the release namespace).',
              { type: 'boolean' },
            ),
          },
        },
        additionalLabels: block(
          {},
          'Extra labels of the ServiceMonitor, PodMonitor and PrometheusRule, e.g. the ones your Prometheus selects them by (release: kube-prometheus-stack).',
          { ...STRING_MAP, propertyNames: { not: { enum: STANDARD_LABELS } } },
        ),
      },
    },
    test: {
      doc: '`helm test`: a pod that opts itself in like any workload and runs `imds-emulator check` (README: Self-check).',
      children: {
        enabled: leaf(false, 'Ship the test pod (needs roleArn; native sidecars, Kubernetes 1.29+).', {
          type: 'boolean',
        }),
        roleArn: optional(
          ROLE_ARN,
          'IAM role the test pod opts in with; its trust policy must allow system:serviceaccount:<namespace>:<serviceAccountName>.',
        ),
        namespace: str(
          DNS1123_LABEL,
          'default',
          'Namespace of the test pod: one the webhook serves (not the release namespace, kube-system or webhook.excludedNamespaces).',
        ),
        serviceAccountName: str(
          DNS1123_SUBDOMAIN,
          'default',
          'Service account of the test pod (must exist).',
        ),
        stsEndpoint: optional(
          HTTP_URL,
          'STS endpoint URL: the test also signs sts:GetCallerIdentity with the served credentials. Empty: no STS call.',
        ),
      },
    },
  },
};

/** Plain values object (as Helm sees it after merging values.yaml). */
export type Values = Record<string, unknown>;

/** The defaults of {@link VALUES_MODEL} as a plain object. */
export function defaultValues(group: Group = VALUES_MODEL): Values {
  return Object.fromEntries(
    Object.entries(group.children).map(([k, n]) => [
      k,
      isGroup(n) ? defaultValues(n) : structuredClone(n.default),
    ]),
  );
}

/** Deep-merges `override` into `base` the way Helm merges user values into the chart's (maps merge, rest replaces). */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    const isMap = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isMap(b) && isMap(v) ? mergeValues(b as Values, v as Values) : v;
  }
  return out;
}

/** `imds-emulator.fullname` of _helpers.tpl, for a given release name. */
export function helmFullname(releaseName: string, fullnameOverride: string): string {
  const trunc = (s: string) => s.slice(0, 52).replace(/-+$/, '');
  if (fullnameOverride) return trunc(fullnameOverride);
  return trunc(releaseName.includes(CHART_NAME) ? releaseName : `${releaseName}-${CHART_NAME}`);
}

/** Where the chart is rendered: the object name (the `fullname`) and the release namespace. */
export interface RenderContext {
  readonly fullname: string;
  readonly namespace: string;
  /** Where the references the props need (image pull secrets) are created. */
  readonly scope: Construct;
}

/**
 * The construct props equivalent to a set of (complete, merged) chart values. This is the only place that knows how
 * values map to props: the chart generator feeds it marker values, the equivalence test real ones.
 */
export function propsFromValues(v: Values, ctx: RenderContext): ImdsEmulatorProps {
  const get = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Values)[k], v);
  const s = (path: string) => get(path) as string;
  const n = (path: string) => get(path) as number;
  const optional = (path: string) => (s(path) === '' ? undefined : s(path));
  const res = (prefix: string) => ({
    cpu: { request: cpuOf(s(`${prefix}.requests.cpu`)), limit: cpuOf(s(`${prefix}.limits.cpu`)) },
    memory: {
      request: sizeOf(s(`${prefix}.requests.memory`)),
      limit: sizeOf(s(`${prefix}.limits.memory`)),
    },
  });
  /** A free-form block, or undefined when empty (the chart renders nothing for it). */
  const block = <T>(path: string): T | undefined => {
    const value = get(path) as object;
    // A JSON copy: under jest a structuredClone of it lost fields in the cdk8s L1 (other realm).
    return Object.keys(value).length === 0 ? undefined : (JSON.parse(JSON.stringify(value)) as T);
  };
  const pullSecrets = get('imagePullSecrets') as { name: string }[];
  const caConfigMap = optional('sidecar.stsCaBundle.configMap');
  const caSecret = optional('sidecar.stsCaBundle.secret');
  const caKey = s('sidecar.stsCaBundle.key');
  const stsCaBundle = caConfigMap
    ? StsCaBundle.fromConfigMap(ConfigMap.fromConfigMapName(ctx.scope, 'sts-ca-bundle', caConfigMap), caKey)
    : caSecret
      ? StsCaBundle.fromSecret(Secret.fromSecretName(ctx.scope, 'sts-ca-bundle', caSecret), caKey)
      : undefined;
  const issuerName = optional('certificate.certManager.issuer.name');
  const issuer: CertManagerIssuer | undefined = issuerName
    ? {
        name: issuerName,
        kind: s('certificate.certManager.issuer.kind'),
        group: s('certificate.certManager.issuer.group'),
      }
    : undefined;
  return {
    metadata: { name: ctx.fullname, namespace: ctx.namespace },
    imageRepository: s('image.repository'),
    imageTag: s('image.tag'),
    imageDigest: optional('image.digest'),
    imagePullPolicy: s('image.pullPolicy') as ImagePullPolicy,
    imagePullSecrets: pullSecrets.length
      ? pullSecrets.map((p, i) => Secret.fromSecretName(ctx.scope, `image-pull-secret-${i}`, p.name))
      : undefined,
    replicas: n('replicaCount'),
    resources: res('resources'),
    logLevel: s('logLevel') as LogLevel,
    priorityClassName: optional('priorityClassName'),
    nodeSelector: block('nodeSelector'),
    tolerations: block('tolerations'),
    affinity: block('affinity'),
    topologySpreadConstraints: block('topologySpreadConstraints'),
    podAnnotations: block('podAnnotations'),
    podLabels: block('podLabels'),
    serviceAccountAnnotations: block('serviceAccount.annotations'),
    namespacePolicy: get('namespacePolicy.enabled') as boolean,
    failurePolicy: s('webhook.failurePolicy') as FailurePolicy,
    timeout: Duration.seconds(n('webhook.timeoutSeconds')),
    excludedNamespaces: [...(get('webhook.excludedNamespaces') as string[])],
    certificate:
      s('certificate.mode') === CertificateMode.CERT_MANAGER
        ? WebhookCertificate.certManager({ issuer })
        : WebhookCertificate.selfManaged(),
    sidecarMode: s('sidecar.mode') as SidecarMode,
    classicJobPods: s('classicJobPods') as ClassicJobPods,
    sidecarServeRegion: get('sidecar.serveRegion') as boolean,
    sidecarRegion: s('sidecar.region'),
    sidecarHttpTokens: s('sidecar.httpTokens') as HttpTokens,
    sidecarSessionDuration: Duration.seconds(n('sidecar.sessionDuration')),
    sidecarTokenAudience: s('sidecar.tokenAudience'),
    sidecarTokenExpiration: Duration.seconds(n('sidecar.tokenExpiration')),
    sidecarStsEndpoint: optional('sidecar.stsEndpoint'),
    sidecarStsCaBundle: stsCaBundle,
    sidecarPort: n('sidecar.port'),
    sidecarHealthPort: n('sidecar.healthPort'),
    sidecarResources: res('sidecar.resources'),
    metricsServiceMonitor: get('metrics.serviceMonitor.enabled') as boolean,
    metricsPodMonitor: get('metrics.podMonitor.enabled') as boolean,
    metricsPrometheusRule: get('metrics.prometheusRule.enabled') as boolean,
    metricsGrafanaDashboard: get('metrics.grafanaDashboard.enabled') as boolean,
    metricsLabels: block('metrics.additionalLabels'),
  };
}
