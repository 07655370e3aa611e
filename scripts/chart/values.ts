/**
 * The chart's values: one model from which values.yaml, values.schema.json and the README table are generated, and
 * the single mapping from values to {@link ImdsEmulatorProps} used both to generate the templates and to test them.
 */
import {
  type CertManagerIssuer,
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  FailurePolicy,
  HttpTokens,
  ImagePullPolicy,
  type ImdsEmulatorProps,
  SidecarMode,
  WebhookCertificate,
} from '../../constructs/src';

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
}

export function isGroup(n: Leaf | Group): n is Group {
  return 'children' in n;
}

const QUANTITY = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const NAMESPACE = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const enumValues = (e: Record<string, string>) => Object.values(e);

const str = (def: string, doc: string, extra: Record<string, unknown> = {}): Leaf => ({
  default: def,
  doc,
  schema: { type: 'string', ...extra },
});
const int = (def: number, doc: string, minimum: number, maximum: number): Leaf => ({
  default: def,
  doc,
  schema: { type: 'integer', minimum, maximum },
});
const resources = (doc: string, req: [string, string], lim: [string, string]): Group => {
  const pair = (d: string, [cpu, memory]: [string, string]): Group => ({
    doc: `${d === 'request' ? 'Requests' : 'Limits'}.`,
    children: {
      cpu: str(cpu, `CPU ${d}.`, { pattern: QUANTITY }),
      memory: str(memory, `Memory ${d}.`, { pattern: QUANTITY }),
    },
  });
  return { doc, children: { requests: pair('request', req), limits: pair('limit', lim) } };
};

/** Every value of the chart, with its default. */
export const VALUES_MODEL: Group = {
  doc: '',
  children: {
    fullnameOverride: str(
      '',
      'Name of every object (cluster-scoped ones get the namespace as prefix). Default: the release name if it contains "imds-emulator", else "<release>-imds-emulator"; truncated to 52 characters.',
      { pattern: '^([a-z]([-a-z0-9]*[a-z0-9])?)?$', maxLength: 52 },
    ),
    image: {
      doc: 'Image of the webhook and of the containers it injects.',
      children: {
        repository: str(DEFAULT_IMAGE_REPOSITORY, 'Image repository.', { minLength: 1 }),
        tag: str(DEFAULT_IMAGE_TAG, 'Image tag (quote it: a number is rejected).', {
          pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
        }),
        digest: str('', 'Optional digest, rendered as repository:tag@digest.', {
          pattern: '^(sha256:[a-f0-9]{64})?$',
        }),
        pullPolicy: str(
          ImagePullPolicy.IF_NOT_PRESENT,
          'Pull policy of the webhook and the injected containers.',
          {
            enum: enumValues(ImagePullPolicy),
          },
        ),
      },
    },
    replicaCount: int(
      2,
      'Webhook replicas. A PodDisruptionBudget (minAvailable 1) is rendered when above 1.',
      1,
      100,
    ),
    resources: resources('Resources of the webhook container.', ['50m', '64Mi'], ['500m', '256Mi']),
    priorityClassName: str(
      '',
      'priorityClassName of the webhook pods, e.g. system-cluster-critical. Empty: none.',
      {
        pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$',
      },
    ),
    webhook: {
      doc: 'The MutatingWebhookConfiguration.',
      children: {
        failurePolicy: str(
          FailurePolicy.FAIL,
          'Fail: an opted-in pod is never created without its emulator.',
          {
            enum: enumValues(FailurePolicy),
          },
        ),
        timeoutSeconds: int(5, 'Webhook call timeout in seconds.', 1, 30),
        excludedNamespaces: {
          default: [],
          doc: 'Namespaces never sent to the webhook, besides the release namespace and kube-system (always excluded).',
          schema: { type: 'array', items: { type: 'string', pattern: NAMESPACE, maxLength: 63 } },
        },
      },
    },
    certificate: {
      doc: "The webhook's TLS certificate.",
      children: {
        mode: str(
          'selfManaged',
          'selfManaged: the webhook creates and rotates its own CA and certificate (nothing else needed). certManager: cert-manager issues it and injects the CA.',
          { enum: ['selfManaged', 'certManager'] },
        ),
        certManager: {
          doc: 'certManager mode only.',
          children: {
            issuer: {
              doc: 'Issuer of the serving certificate.',
              children: {
                name: str(
                  '',
                  'Name of your Issuer or ClusterIssuer. Empty: a self-signed Issuer is created.',
                  {
                    pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$',
                  },
                ),
                kind: str('Issuer', 'Issuer or ClusterIssuer (or an external issuer kind).', {
                  pattern: '^[A-Z][A-Za-z0-9]*$',
                }),
                group: str('cert-manager.io', 'API group of the issuer.', {
                  pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
                }),
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
          SidecarMode.AUTO,
          'native (init container with restartPolicy Always, k8s >= 1.29), classic or auto.',
          {
            enum: enumValues(SidecarMode),
          },
        ),
        region: str('us-east-1', 'AWS region of the STS endpoint.', {
          pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
        }),
        httpTokens: str(HttpTokens.OPTIONAL, 'optional (IMDSv1 and v2) or required (IMDSv2 only).', {
          enum: enumValues(HttpTokens),
        }),
        sessionDuration: int(3600, 'STS session duration in seconds.', 900, 43200),
        tokenAudience: str('sts.amazonaws.com', 'Audience of the projected service-account token.', {
          pattern: '^[^\\s"\'\\\\]+$',
        }),
        tokenExpiration: int(3600, 'expirationSeconds of the projected service-account token.', 600, 86400),
        stsEndpoint: str(
          '',
          'STS endpoint URL for every sidecar (e.g. a VPC endpoint). Empty: the regional endpoint.',
          {
            pattern: '^(https?://[^\\s"\'\\\\]+)?$',
          },
        ),
        // The webhook's --sidecar-* defaults, measured (emulator/src/webhook/server/config.ts cites the figures).
        resources: resources('Resources of each injected sidecar.', ['5m', '32Mi'], ['1', '128Mi']),
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
    cpuRequest: s(`${prefix}.requests.cpu`),
    memoryRequest: s(`${prefix}.requests.memory`),
    cpuLimit: s(`${prefix}.limits.cpu`),
    memoryLimit: s(`${prefix}.limits.memory`),
  });
  const issuerName = optional('certificate.certManager.issuer.name');
  const issuer: CertManagerIssuer | undefined = issuerName
    ? {
        name: issuerName,
        kind: s('certificate.certManager.issuer.kind'),
        group: s('certificate.certManager.issuer.group'),
      }
    : undefined;
  return {
    name: ctx.fullname,
    namespace: ctx.namespace,
    imageRepository: s('image.repository'),
    imageTag: s('image.tag'),
    imageDigest: optional('image.digest'),
    imagePullPolicy: s('image.pullPolicy') as ImagePullPolicy,
    replicas: n('replicaCount'),
    resources: res('resources'),
    priorityClassName: optional('priorityClassName'),
    failurePolicy: s('webhook.failurePolicy') as FailurePolicy,
    timeoutSeconds: n('webhook.timeoutSeconds'),
    excludedNamespaces: [...(get('webhook.excludedNamespaces') as string[])],
    certificate:
      s('certificate.mode') === 'certManager'
        ? WebhookCertificate.certManager({ issuer })
        : WebhookCertificate.selfManaged(),
    sidecar: {
      mode: s('sidecar.mode') as SidecarMode,
      region: s('sidecar.region'),
      httpTokens: s('sidecar.httpTokens') as HttpTokens,
      sessionDuration: n('sidecar.sessionDuration'),
      tokenAudience: s('sidecar.tokenAudience'),
      tokenExpiration: n('sidecar.tokenExpiration'),
      stsEndpoint: optional('sidecar.stsEndpoint'),
      resources: res('sidecar.resources'),
    },
  };
}
