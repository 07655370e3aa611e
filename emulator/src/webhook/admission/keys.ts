/** The names pods, namespaces and tooling rely on (DEVELOPERS.md "Pod and namespace metadata"). */

export {
  ALLOWED_ROLES_NS_ANNOTATION,
  DISABLED_VALUES,
  ENABLED_LABEL,
  ENABLED_VALUE,
  HTTP_TOKENS_ANNOTATION,
  INJECTED_ANNOTATION,
  METADATA_PREFIX as PREFIX,
  POD_ANNOTATIONS,
  PSA_EXEMPT_NS_ANNOTATION,
  REDIRECT_ANNOTATION,
  REGION_ANNOTATION,
  ROLE_ARN_ANNOTATION,
  SERVE_REGION_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
  SIDECAR_CONTAINER,
  SIDECAR_METRICS_PORT,
  ZONE_LABEL,
} from '@imds-emulator/contract';

export const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export const INIT_CONTAINER = 'imds-emulator-init';
/** emptyDir for the init step's /run: iptables-legacy writes /run/xtables.lock and the root filesystem is read-only. */
export const INIT_RUN_VOLUME = 'imds-emulator-init-run';
export const TOKEN_VOLUME = 'imds-emulator-token';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/imds-emulator';
export const TOKEN_FILE = 'token';
/** The STS CA bundle (`--sts-ca-bundle-*`), mounted into the sidecar and named by NODE_EXTRA_CA_CERTS. */
export const STS_CA_VOLUME = 'imds-emulator-sts-ca';
export const STS_CA_MOUNT_PATH = '/var/run/imds-emulator/sts-ca';
export const STS_CA_FILE = 'ca.crt';
/**
 * The ServiceAccount admission plugin runs again after our mutation and mounts the Kubernetes API token into every
 * container that has nothing mounted at this path ("existing mounts at the default mount path prevent mounting of the
 * API token", plugin/pkg/admission/serviceaccount). The injected containers do not call the Kubernetes API, so they
 * mount this empty volume there instead; the app's containers are untouched.
 */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const NO_API_TOKEN_VOLUME = 'imds-emulator-no-api-token';
