/** The AWS names users give: IAM role ARNs and the partitions their regions belong to. */

export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly accountId: string;
  /** The last path segment: what IMDS lists under security-credentials/. */
  readonly roleName: string;
}

/** IAM's limits: an ARN of at most 2048 characters, a path of at most 512, a role name of 1..64. */
export const MAX_ROLE_ARN_LENGTH = 2048;
const MAX_ROLE_PATH_LENGTH = 512;
const MAX_ROLE_PATH_SEGMENTS = 100;

/**
 * Known partition, 12-digit account, `role`, a path of at most 100 segments of printable ASCII other than `/` (so
 * matching stays linear) and a name from IAM's role-name alphabet. In the syntax JS and Go's RE2 share (the chart's
 * schema uses it too).
 */
export const ROLE_ARN_PATTERN =
  '^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?|aws-eusc):iam::(\\d{12}):role' +
  `(/(?:[\\x21-\\x2e\\x30-\\x7e]+/){0,${MAX_ROLE_PATH_SEGMENTS}})([\\w+=,.@-]{1,64})$`;
const ROLE_ARN = new RegExp(ROLE_ARN_PATTERN);

/**
 * The path limit as a pattern, for JSON Schema (which cannot measure a capture group): the path runs from the first `/`
 * to the last, as neither the part before it nor the role name holds one. Also matches a text without `/`.
 */
export const ROLE_PATH_LENGTH_PATTERN = `^[^/]*(/|/.{0,${MAX_ROLE_PATH_LENGTH - 2}}/)?[^/]*$`;

/** The parsed ARN, or undefined when `value` is not an IAM role ARN. */
export function parseRoleArn(value: string): RoleArn | undefined {
  const match = value.length <= MAX_ROLE_ARN_LENGTH ? ROLE_ARN.exec(value) : null;
  if (!match || match[3].length > MAX_ROLE_PATH_LENGTH) return undefined;
  return { arn: value, partition: match[1], accountId: match[2], roleName: match[4] };
}

/** Region-name prefixes of the partitions other than `aws`. */
const PARTITION_PREFIXES: readonly (readonly [string, string])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

/** The partition a region belongs to, by its prefix. */
export function partitionOfRegion(region: string): string {
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}
