/**
 * Names shared with the webhook and with GKE on AWS (see DEVELOPERS.md, "Pod and namespace metadata"), defined in
 * the contract. Changing one breaks every pod already opted in, so they are constants, not props.
 */
export {
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  ENABLED_LABEL,
  ENABLED_VALUE,
  HTTP_TOKENS_ANNOTATION,
  METADATA_PREFIX,
  REDIRECT_ANNOTATION,
  REGION_ANNOTATION,
  ROLE_ARN_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
} from '@imds-emulator/contract';
