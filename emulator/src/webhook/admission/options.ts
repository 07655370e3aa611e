/** The per-pod annotations: each value checked by the contract's rule, with a message that names the annotation. */
import {
  BOOLEAN,
  DEFAULT_REDIRECT,
  EXAMPLE_ROLE_ARN,
  HTTP_TOKENS,
  type HttpTokens,
  mustBe,
  partitionOfRegion,
  REDIRECT,
  REGION,
  type Redirect,
  ROLE_ARN,
  type Rule,
  SESSION_DURATION,
} from '@imds-emulator/contract';
import { FULL_MARGIN_MIN_LIFETIME_MS } from '../../sidecar/refresh-policy';
import type { InjectionSettings } from './index';
import {
  HTTP_TOKENS_ANNOTATION,
  POD_ANNOTATIONS,
  PREFIX,
  REDIRECT_ANNOTATION,
  REGION_ANNOTATION,
  ROLE_ARN_ANNOTATION,
  SERVE_REGION_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
} from './keys';

export type { Redirect };

export interface PodOptions {
  roleArn: string;
  redirect: Redirect;
  httpTokens: HttpTokens;
  region: string;
  sessionDuration: number;
  serveRegion: boolean;
}

export type ReadOptions =
  | { ok: true; options: PodOptions; warnings: string[] }
  | { ok: false; errors: string[] };

/** The annotation's value by `rule`, else `fallback` (the webhook's default, already checked by its flag). */
function annotated<T>(
  annotations: Record<string, string>,
  annotation: string,
  rule: Rule<T>,
  fallback: T,
  errors: string[],
): T {
  const text = annotations[annotation];
  if (text === undefined) return fallback;
  const value = rule.parse(text);
  if (value !== undefined) return value;
  errors.push(`annotation ${annotation} ${mustBe(rule, text)}`);
  return fallback;
}

/** Sessions too short for the sidecar to keep 30 minutes of validity in every document it serves. */
export function shortSessionWarning(seconds: number): string | undefined {
  const needed = FULL_MARGIN_MIN_LIFETIME_MS / 1000;
  if (seconds >= needed) return undefined;
  return (
    `session duration ${seconds} s is below ${needed} s: served credentials can have less than 30 minutes left, ` +
    'and botocore (boto3, aws CLI) then extends their expiry past the real one and may sign with expired ' +
    `credentials; use ${needed} or more (docs/annotations.md)`
  );
}

export function readOptions(annotations: Record<string, string>, settings: InjectionSettings): ReadOptions {
  const errors: string[] = [];
  const warnings: string[] = [];

  const roleArn = annotations[ROLE_ARN_ANNOTATION];
  const role = roleArn === undefined ? undefined : ROLE_ARN.parse(roleArn);
  if (roleArn === undefined) {
    errors.push(
      `annotation ${ROLE_ARN_ANNOTATION} is required on pods labelled for the IMDS emulator, e.g. ${ROLE_ARN_ANNOTATION}: ${EXAMPLE_ROLE_ARN}`,
    );
  } else if (role === undefined) {
    errors.push(`annotation ${ROLE_ARN_ANNOTATION} ${mustBe(ROLE_ARN, roleArn)}`);
  }
  const redirect = annotated(annotations, REDIRECT_ANNOTATION, REDIRECT, DEFAULT_REDIRECT, errors);
  const httpTokens = annotated(
    annotations,
    HTTP_TOKENS_ANNOTATION,
    HTTP_TOKENS,
    settings.defaultHttpTokens,
    errors,
  );
  const region = annotated(annotations, REGION_ANNOTATION, REGION, settings.defaultRegion, errors);
  const sessionDuration = annotated(
    annotations,
    SESSION_DURATION_ANNOTATION,
    SESSION_DURATION,
    settings.defaultSessionDuration,
    errors,
  );

  const serveRegion =
    annotated(
      annotations,
      SERVE_REGION_ANNOTATION,
      BOOLEAN,
      settings.defaultServeRegion ? 'true' : 'false',
      errors,
    ) === 'true';

  for (const key of Object.keys(annotations)) {
    if (key.startsWith(PREFIX) && !POD_ANNOTATIONS.includes(key)) {
      warnings.push(`annotation ${key} is not one the IMDS emulator knows and is ignored (typo?)`);
    }
  }

  if (errors.length > 0 || role === undefined) return { ok: false, errors };
  const shortSession = shortSessionWarning(sessionDuration);
  if (shortSession) warnings.push(shortSession);
  const regionPartition = partitionOfRegion(region);
  if (regionPartition !== role.partition) {
    warnings.push(
      `region ${region} looks like partition ${regionPartition} but the role ${role.arn} is in ${role.partition}: STS will likely refuse`,
    );
  }
  return {
    ok: true,
    options: { roleArn: role.arn, redirect, httpTokens, region, sessionDuration, serveRegion },
    warnings,
  };
}
