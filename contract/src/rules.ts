/**
 * Every validation rule of the project, each defined once (see DEVELOPERS.md "Contract"). Patterns are written in the
 * regular-expression syntax JavaScript and Go's RE2 (Helm's JSON Schema) share: no look-around, no back-references.
 */
import {
  MAX_ROLE_ARN_LENGTH,
  parseRoleArn,
  ROLE_ARN_PATTERN,
  ROLE_PATH_LENGTH_PATTERN,
  type RoleArn,
} from './aws';
import { enumRule, intRule, patternRule, type Rule, type RuleValue } from './rule';

/** AWS region names of every partition: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`. */
export const REGION = patternRule(
  'an AWS region such as "eu-west-1"',
  '^[a-z]{2,4}(-[a-z]+){1,2}-[0-9]{1,2}$',
);
/**
 * A zone name as the node's `topology.kubernetes.io/zone` label carries it: any label value, so that no node's label
 * (a Local Zone's `us-east-1-bos-1a` included) can stop a sidecar. Only a zone of the sidecar's region is served.
 */
export const ZONE = patternRule(
  'a zone name such as "eu-west-1a" (a Kubernetes label value)',
  '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
  63,
);

/** IAM role ARNs the sidecar can assume ({@link parseRoleArn}); a text parses to its parts. */
export const ROLE_ARN: Rule<RoleArn> & { accepts(value: string): boolean } = {
  expected:
    'an IAM role ARN arn:<partition>:iam::<12-digit account>:role/<optional/path/>name, such as "arn:aws:iam::123456789012:role/my-app"',
  parse: parseRoleArn,
  accepts: (value) => parseRoleArn(value) !== undefined,
  schema: {
    type: 'string',
    maxLength: MAX_ROLE_ARN_LENGTH,
    pattern: ROLE_ARN_PATTERN,
    allOf: [{ type: 'string', pattern: ROLE_PATH_LENGTH_PATTERN }],
  },
};

/**
 * A Kubernetes resource quantity, the grammar of k8s.io/apimachinery `resource.ParseQuantity`: optional sign, digits
 * with at most one '.', then a binary SI suffix (Ki..Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal
 * exponent (e/E and a signed integer). The OpenAPI pattern `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` is looser
 * ("1.2.3" matches it) and the API server refuses what it lets through.
 */
export const QUANTITY = patternRule(
  'a Kubernetes quantity such as "100m", "0.5" or "64Mi"',
  '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$',
);

/**
 * CPU as the constructs (kplus `Cpu.millis()`/`Cpu.units()`) and the chart's values write it: whole millicores ("50m")
 * or a plain number of cores ("1", "0.5"), both without leading or trailing zeros so they read back unchanged. A
 * subset of {@link QUANTITY}.
 */
export const CPU = patternRule(
  'a CPU amount in millicores or cores such as "50m", "1" or "0.5"',
  '^((0|[1-9][0-9]*)m|(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?)$',
);
/**
 * Memory as the constructs (cdk8s `Size`) and the chart's values write it: a whole number of Ki, Mi, Gi, Ti or Pi (the
 * constructs write the largest whole unit: "1024Mi" comes out as the same quantity "1Gi").
 */
export const MEMORY = patternRule(
  'a memory size in Ki, Mi, Gi, Ti or Pi such as "64Mi"',
  '^(0|[1-9][0-9]*)(Ki|Mi|Gi|Ti|Pi)$',
);

/** STS AssumeRoleWithWebIdentity DurationSeconds. */
export const SESSION_DURATION = intRule(900, 43200);
/** What the webhook does with a Job's pod in classic sidecar mode (the pod could never complete). */
export const CLASSIC_JOB_PODS = enumRule(['deny', 'warn'] as const);
/** `expirationSeconds` of a projected service-account token: Kubernetes takes 600 s up to 2^32 s. */
export const TOKEN_EXPIRATION = intRule(600, 2 ** 32 - 1);
export const PORT = intRule(1, 65535);

export const HTTP_TOKENS = enumRule(['optional', 'required'] as const);
export const REDIRECT = enumRule(['iptables', 'env'] as const);
/** `--sidecar-mode`; `auto` asks the API server's version. */
export const SIDECAR_MODE = enumRule(['native', 'classic', 'auto'] as const);
export const IMAGE_PULL_POLICY = enumRule(['Always', 'IfNotPresent', 'Never'] as const);
export const FAILURE_POLICY = enumRule(['Fail', 'Ignore'] as const);
/** pino's levels. */
export const LOG_LEVEL = enumRule(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const);
export const BOOLEAN = enumRule(['true', 'false'] as const);

export type HttpTokens = RuleValue<typeof HTTP_TOKENS>;
export type Redirect = RuleValue<typeof REDIRECT>;
export type ClassicJobPods = RuleValue<typeof CLASSIC_JOB_PODS>;
/** A pod without the redirect annotation gets the iptables redirect. */
export const DEFAULT_REDIRECT: Redirect = 'iptables';
export type ImagePullPolicy = RuleValue<typeof IMAGE_PULL_POLICY>;

/** Neither a space, a control character, a quote nor a backslash (`\\s` differs between JavaScript and RE2). */
const PRINTABLE = `[^\\x00-\\x20\\x7f"'\\\\]`;
const DNS1123_LABEL_PATTERN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
const REPOSITORY_PATTERN = '[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*';
const TAG_PATTERN = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST_PATTERN = 'sha256:[a-f0-9]{64}';

/** RFC 1123 label: namespaces and most Kubernetes object names. */
export const DNS1123_LABEL = patternRule(
  'a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most 63 characters)',
  `^${DNS1123_LABEL_PATTERN}$`,
  63,
);
/** RFC 1035 label: Service names. */
export const DNS1035_LABEL = patternRule(
  'a DNS-1035 label (a-z, 0-9 and "-", starting with a letter and ending with a letter or digit, at most 63 characters)',
  DNS1035_LABEL_PATTERN,
  63,
);
/** RFC 1123 subdomain: Secrets, webhook configurations, priority classes, issuers. */
export const DNS1123_SUBDOMAIN = patternRule(
  'a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)',
  `^${DNS1123_LABEL_PATTERN}(\\.${DNS1123_LABEL_PATTERN})*$`,
  253,
);
/** Name of an installation: a Service name short enough for the `<name>-tls` Secret and the chart's suffixes. */
export const INSTALL_NAME = patternRule(
  'a DNS-1035 label (a-z, 0-9 and "-", starting with a letter) of at most 52 characters',
  DNS1035_LABEL_PATTERN,
  52,
);

/** An http(s) URL with a host name or IP address and an optional port: what `new URL()` and the AWS SDK take. */
export const HTTP_URL = patternRule(
  'an http(s) URL such as "https://sts.eu-west-1.amazonaws.com"',
  '^https?://([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\])' +
    `(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(/${PRINTABLE}*)?$`,
);
/** A key of a ConfigMap or Secret (what Kubernetes allows: letters, digits, '-', '_' and '.'). */
export const CONFIG_KEY = patternRule(
  'a ConfigMap or Secret key (letters, digits, "-", "_" and ".", at most 253 characters)',
  '^[-._a-zA-Z0-9]+$',
  253,
);
/** Audience of a projected service-account token. */
export const AUDIENCE = patternRule('a non-empty audience without spaces or quotes', `^${PRINTABLE}+$`);

/** Image repository (registry host and port optional), as the distribution reference grammar has it. */
export const IMAGE_REPOSITORY = patternRule(
  'an image repository such as "ghcr.io/org/name"',
  `^${REPOSITORY_PATTERN}$`,
);
export const IMAGE_TAG = patternRule('an image tag such as "0.1.0"', `^${TAG_PATTERN}$`);
export const IMAGE_DIGEST = patternRule('a digest "sha256:<64 hex digits>"', `^${DIGEST_PATTERN}$`);
/** A full image reference `repository[:tag][@digest]`: what the webhook injects. */
export const IMAGE_REFERENCE = patternRule(
  'an image reference such as "ghcr.io/org/name:1.0"',
  `^${REPOSITORY_PATTERN}(:${TAG_PATTERN})?(@${DIGEST_PATTERN})?$`,
);
/** cert-manager issuer kind (`Issuer`, `ClusterIssuer` or an external issuer's). */
export const ISSUER_KIND = patternRule('a kind such as "ClusterIssuer"', '^[A-Z][A-Za-z0-9]*$');
