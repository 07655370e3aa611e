/** The names pods, namespaces and tooling rely on (DEVELOPERS.md "Pod and namespace metadata"). */

export const PREFIX = 'gkemulticloud.googleapis.com/aws-imds-emulator-';

export const ENABLED_LABEL = `${PREFIX}enabled`;
export const ROLE_ARN_ANNOTATION = `${PREFIX}role-arn`;
export const REDIRECT_ANNOTATION = `${PREFIX}redirect`;
export const HTTP_TOKENS_ANNOTATION = `${PREFIX}http-tokens`;
export const REGION_ANNOTATION = `${PREFIX}region`;
export const SESSION_DURATION_ANNOTATION = `${PREFIX}session-duration`;
/** Set by the webhook on every pod it mutated; the value is the injected image. */
export const INJECTED_ANNOTATION = `${PREFIX}injected`;

export const ALLOWED_ROLES_NS_ANNOTATION = `${PREFIX}allowed-role-arns`;
/** Namespace annotation: the API server's PodSecurity configuration exempts this namespace. */
export const PSA_EXEMPT_NS_ANNOTATION = `${PREFIX}pod-security-exempt`;
export const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Pod annotations a user may set; anything else with the prefix is probably a typo and draws a warning. */
export const POD_ANNOTATIONS = [
  ROLE_ARN_ANNOTATION,
  REDIRECT_ANNOTATION,
  HTTP_TOKENS_ANNOTATION,
  REGION_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
  INJECTED_ANNOTATION,
];

export const INIT_CONTAINER = 'imds-emulator-init';
/** emptyDir for the init step's /run: iptables-legacy writes /run/xtables.lock and the root filesystem is read-only. */
export const INIT_RUN_VOLUME = 'imds-emulator-init-run';
export const SIDECAR_CONTAINER = 'imds-emulator';
export const TOKEN_VOLUME = 'imds-emulator-token';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/imds-emulator';
export const TOKEN_FILE = 'token';
