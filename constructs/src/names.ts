/**
 * Names shared with the webhook and with GKE on AWS (see DEVELOPERS.md, "Pod and namespace metadata"). Changing one
 * breaks every pod already opted in, so they are constants, not props.
 */

/** Prefix of every label and annotation the emulator reads. */
export const METADATA_PREFIX = 'gkemulticloud.googleapis.com/aws-imds-emulator-';

/** Pod label whose value must be exactly `True` to get the emulator injected. */
export const ENABLED_LABEL = `${METADATA_PREFIX}enabled`;

/** The only value of {@link ENABLED_LABEL} that enables injection (GKE on AWS documents `True`). */
export const ENABLED_VALUE = 'True';

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

/** Default image repository; the tag is the package version. */
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/imds-emulator/imds-emulator';

/** Default image tag (the release this library belongs to). */
export const DEFAULT_IMAGE_TAG = '0.1.0';
