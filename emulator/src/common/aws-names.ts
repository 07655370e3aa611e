/**
 * Syntax of the AWS names the parts accept from users: IAM role ARNs and region names. Shared so the webhook, the
 * sidecar and the constructs agree on what is valid.
 */

export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly accountId: string;
  /** The last path segment: what IMDS lists under security-credentials/. */
  readonly roleName: string;
}

export const MAX_ROLE_ARN_LENGTH = 2048;

/** IAM's limit on a role's path, its leading and trailing `/` included. */
export const MAX_ROLE_PATH_LENGTH = 512;

/** Segments of a role's path at most. */
export const MAX_ROLE_PATH_SEGMENTS = 100;

/**
 * Known partition, 12-digit account, `role/`, optional path (printable ASCII segments) and a name of 1..64
 * characters from IAM's role-name alphabet. Segments cannot contain `/`, so matching is linear.
 */
const ROLE_ARN = new RegExp(
  '^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?|aws-eusc):iam::(\\d{12}):' +
    `role(\\/(?:[\\x21-\\x2e\\x30-\\x7e]+\\/){0,${MAX_ROLE_PATH_SEGMENTS}})([\\w+=,.@-]{1,64})$`,
);

/** The parsed ARN, or undefined when `value` is not an IAM role ARN. */
export function parseRoleArn(value: string): RoleArn | undefined {
  const match = value.length <= MAX_ROLE_ARN_LENGTH ? ROLE_ARN.exec(value) : null;
  if (!match || match[3].length > MAX_ROLE_PATH_LENGTH) return undefined;
  return { arn: value, partition: match[1], accountId: match[2], roleName: match[4] };
}

/** AWS region names: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`... */
export const REGION = /^[a-z]{2,4}(-[a-z]+){1,2}-\d{1,2}$/;
