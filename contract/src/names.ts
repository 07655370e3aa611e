/**
 * Names the webhook, the constructs, GKE on AWS and users' manifests share (DEVELOPERS.md "Pod and namespace
 * metadata"). Changing one breaks every pod already opted in.
 */

/** Prefix of every label and annotation the emulator reads. */
export const METADATA_PREFIX = 'gkemulticloud.googleapis.com/aws-imds-emulator-';

/** Pod label whose value must be exactly {@link ENABLED_VALUE} to get the emulator injected. */
export const ENABLED_LABEL = `${METADATA_PREFIX}enabled`;
/** The only value of {@link ENABLED_LABEL} that enables injection (GKE on AWS documents `True`). */
export const ENABLED_VALUE = 'True';
/**
 * The webhook configuration's objectSelector: every pod that carries the label, whatever its value, so that a near
 * miss (`true`, `yes`) reaches the webhook and gets a kubectl warning instead of being silently ignored by the API
 * server. Only {@link ENABLED_VALUE} is injected; `False`/`false` (an explicit opt-out) pass without a warning.
 */
export const ENABLED_SELECTOR = {
  matchExpressions: [{ key: ENABLED_LABEL, operator: 'Exists' as const }],
};
/** Values of {@link ENABLED_LABEL} that opt out explicitly: admitted as they are, without a warning. */
export const DISABLED_VALUES: readonly string[] = ['False', 'false'];

/** Pod annotation carrying the IAM role ARN to assume. */
export const ROLE_ARN_ANNOTATION = `${METADATA_PREFIX}role-arn`;
/** Pod annotation choosing how traffic reaches the sidecar: `iptables` or `env`. */
export const REDIRECT_ANNOTATION = `${METADATA_PREFIX}redirect`;
/** Pod annotation overriding the sidecar's `--http-tokens`. */
export const HTTP_TOKENS_ANNOTATION = `${METADATA_PREFIX}http-tokens`;
/** Pod annotation overriding the sidecar's `--region`. */
export const REGION_ANNOTATION = `${METADATA_PREFIX}region`;
/** Pod annotation overriding the sidecar's `--session-duration`. */
export const SESSION_DURATION_ANNOTATION = `${METADATA_PREFIX}session-duration`;
/** Pod annotation overriding the sidecar's `--serve-region`: `"true"` or `"false"`. */
export const SERVE_REGION_ANNOTATION = `${METADATA_PREFIX}serve-region`;
/** Set by the webhook on every pod it mutated; the value is the injected image. */
export const INJECTED_ANNOTATION = `${METADATA_PREFIX}injected`;

/** Namespace annotation: comma-separated globs of the role ARNs its pods may use. */
export const ALLOWED_ROLES_NS_ANNOTATION = `${METADATA_PREFIX}allowed-role-arns`;
/** Namespace annotation: the API server's PodSecurity configuration exempts this namespace. */
export const PSA_EXEMPT_NS_ANNOTATION = `${METADATA_PREFIX}pod-security-exempt`;

/** Pod annotations a user may set; anything else with the prefix is probably a typo. */
export const POD_ANNOTATIONS: readonly string[] = [
  ROLE_ARN_ANNOTATION,
  REDIRECT_ANNOTATION,
  HTTP_TOKENS_ANNOTATION,
  REGION_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
  SERVE_REGION_ANNOTATION,
  INJECTED_ANNOTATION,
];

/**
 * The node's zone, a well-known node label. Pods see it only where the API server copies it onto them at binding
 * (PodTopologyLabelsAdmission, KEP-4742: alpha in Kubernetes 1.33, beta in 1.35); elsewhere the pod has no such label.
 */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** Default image repository; the tag is the package version. */
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/imds-emulator/imds-emulator';
/** Default image tag (the release the parts belong to). */
export const DEFAULT_IMAGE_TAG = '0.1.0';

/** The environment variable every flag can also be set by: `tls-cert` → `IMDS_EMULATOR_TLS_CERT`. */
export function envName(flag: string): string {
  return `IMDS_EMULATOR_${flag.replace(/-/g, '_').toUpperCase()}`;
}
