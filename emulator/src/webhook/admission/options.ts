/** The per-pod annotations: each value validated, with a message that names the annotation and shows a valid one. */
import { MAX_ROLE_PATH_LENGTH, MAX_ROLE_PATH_SEGMENTS, parseRoleArn, REGION } from '../../common/aws-names';
import type { HttpTokens, InjectionSettings } from './index';
import {
  HTTP_TOKENS_ANNOTATION,
  POD_ANNOTATIONS,
  PREFIX,
  REDIRECT_ANNOTATION,
  REGION_ANNOTATION,
  ROLE_ARN_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
} from './keys';

export type Redirect = 'iptables' | 'env';

export interface PodOptions {
  roleArn: string;
  redirect: Redirect;
  httpTokens: HttpTokens;
  region: string;
  sessionDuration: number;
}

const EXAMPLE_ROLE_ARN = 'arn:aws:iam::123456789012:role/my-app';

const SESSION_DURATION_MIN = 900;
const SESSION_DURATION_MAX = 43200;

/** The partition a region belongs to, by its prefix; used only to warn about a likely mismatch. */
function partitionOfRegion(region: string): string {
  const prefixes: [string, string][] = [
    ['cn-', 'aws-cn'],
    ['us-gov-', 'aws-us-gov'],
    ['us-iso-', 'aws-iso'],
    ['us-isob-', 'aws-iso-b'],
    ['eu-isoe-', 'aws-iso-e'],
    ['us-isof-', 'aws-iso-f'],
    ['eusc-', 'aws-eusc'],
  ];
  return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

export type ReadOptions =
  | { ok: true; options: PodOptions; warnings: string[] }
  | { ok: false; errors: string[] };

function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

type RoleArnCheck = { ok: true; partition: string } | { ok: false; error: string };

function checkRoleArn(value: string | undefined): RoleArnCheck {
  if (value === undefined) {
    return {
      ok: false,
      error: `annotation ${ROLE_ARN_ANNOTATION} is required on pods labelled for the IMDS emulator, e.g. ${ROLE_ARN_ANNOTATION}: ${EXAMPLE_ROLE_ARN}`,
    };
  }
  // The sidecar's own rule: a pod admitted here must never have a sidecar that refuses its role.
  const role = parseRoleArn(value);
  if (role) return { ok: true, partition: role.partition };
  return {
    ok: false,
    error:
      `annotation ${ROLE_ARN_ANNOTATION} is ${quoted(value)}, not an IAM role ARN ` +
      '(arn:<aws|aws-cn|aws-us-gov|aws-iso…>:iam::<12-digit account>:role/<optional/path/>name, ' +
      `a path of at most ${MAX_ROLE_PATH_SEGMENTS} segments and ${MAX_ROLE_PATH_LENGTH} characters, a name of 1 to 64), ` +
      `e.g. ${EXAMPLE_ROLE_ARN}`,
  };
}

/** An annotation with a fixed set of values; an unknown one is reported and the fallback keeps parsing going. */
function choice<T extends string>(
  annotations: Record<string, string>,
  annotation: string,
  fallback: T,
  allowed: readonly T[],
  errors: string[],
): T {
  const value = annotations[annotation] ?? fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  errors.push(`annotation ${annotation} is ${quoted(value)}; use one of: ${allowed.join(', ')}`);
  return fallback;
}

export function readOptions(annotations: Record<string, string>, settings: InjectionSettings): ReadOptions {
  const errors: string[] = [];
  const warnings: string[] = [];

  const roleArn = annotations[ROLE_ARN_ANNOTATION];
  const role = checkRoleArn(roleArn);
  if (!role.ok) errors.push(role.error);

  const redirect = choice<Redirect>(
    annotations,
    REDIRECT_ANNOTATION,
    'iptables',
    ['iptables', 'env'],
    errors,
  );
  const httpTokens = choice<HttpTokens>(
    annotations,
    HTTP_TOKENS_ANNOTATION,
    settings.defaultHttpTokens,
    ['optional', 'required'],
    errors,
  );

  const region = annotations[REGION_ANNOTATION] ?? settings.defaultRegion;
  if (!REGION.test(region)) {
    errors.push(`annotation ${REGION_ANNOTATION} is ${quoted(region)}, not an AWS region; e.g. eu-west-1`);
  }

  const durationText = annotations[SESSION_DURATION_ANNOTATION];
  const sessionDuration = durationText === undefined ? settings.defaultSessionDuration : Number(durationText);
  if (
    durationText !== undefined &&
    (!/^\d{1,6}$/.test(durationText) ||
      sessionDuration < SESSION_DURATION_MIN ||
      sessionDuration > SESSION_DURATION_MAX)
  ) {
    errors.push(
      `annotation ${SESSION_DURATION_ANNOTATION} is ${quoted(durationText)}; use whole seconds from ` +
        `${SESSION_DURATION_MIN} to ${SESSION_DURATION_MAX}, e.g. "3600"`,
    );
  }

  for (const key of Object.keys(annotations)) {
    if (key.startsWith(PREFIX) && !POD_ANNOTATIONS.includes(key)) {
      warnings.push(`annotation ${key} is not one the IMDS emulator knows and is ignored (typo?)`);
    }
  }

  if (errors.length > 0 || !role.ok || roleArn === undefined) return { ok: false, errors };
  const { partition } = role;
  if (partitionOfRegion(region) !== partition) {
    warnings.push(
      `region ${region} looks like partition ${partitionOfRegion(region)} but the role ${roleArn} is in ${partition}: STS will likely refuse`,
    );
  }
  return {
    ok: true,
    options: {
      roleArn,
      redirect,
      httpTokens,
      region,
      sessionDuration,
    },
    warnings,
  };
}
