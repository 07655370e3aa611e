/**
 * `imds-emulator check`, the verdicts: each function turns what one probe saw into a result with the fix for a
 * failure. Pure, so every verdict is unit-tested without a network; `run.ts` does the requests.
 */
import {
  ENABLED_LABEL,
  ENABLED_VALUE,
  HTTP_TOKENS_ANNOTATION,
  type HttpTokens,
  INJECTED_ANNOTATION,
  REDIRECT_ANNOTATION,
  ROLE_ARN_ANNOTATION,
} from '@imds-emulator/contract';
import { MIN_SERVED_VALIDITY_MS, RENEW_AT_REMAINING_MS } from '../sidecar/refresh-policy';

/** Every check, in the order they run and are reported. */
export const CHECK_IDS = [
  'reach',
  'reach-ipv6',
  'token',
  'imdsv1',
  'role',
  'credentials',
  'expiry',
  'sts',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  readonly id: CheckId;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly message: string;
  /** What to do about a failure. */
  readonly fix?: string;
}

/** One HTTP exchange: the answer, or why there was none. */
export type Seen =
  | { readonly status: number; readonly ttl?: string; readonly body: string }
  | { readonly error: string };

const SIDECAR_LOG = 'kubectl logs <pod> -c imds-emulator';
const NOT_INJECTED =
  `make sure the pod is opted in (label ${ENABLED_LABEL}: "${ENABLED_VALUE}" and annotation ${ROLE_ARN_ANNOTATION}), ` +
  `was mutated (it carries annotation ${INJECTED_ANNOTATION}) and that the imds-emulator-init container succeeded`;

const pass = (id: CheckId, message: string): CheckResult => ({ id, status: 'pass', message });
const fail = (id: CheckId, message: string, fix: string): CheckResult => ({
  id,
  status: 'fail',
  message,
  fix,
});
export const skip = (id: CheckId, message: string): CheckResult => ({ id, status: 'skip', message });

function answered(seen: Seen): seen is Extract<Seen, { status: number }> {
  return 'status' in seen;
}

/** `token`: the token PUT; `instanceId`: GET meta-data/instance-id, which only a real EC2 IMDS answers. */
export function reach(
  id: 'reach' | 'reach-ipv6',
  endpoint: string,
  token: Seen,
  instanceId: Seen,
): CheckResult {
  if (!answered(token)) {
    return fail(
      id,
      `no answer from ${endpoint}: ${token.error}`,
      `${NOT_INJECTED}; with annotation ${REDIRECT_ANNOTATION}: env there is no redirect: pass --endpoint ` +
        '"$AWS_EC2_METADATA_SERVICE_ENDPOINT"',
    );
  }
  if (answered(instanceId) && instanceId.status === 200) {
    return fail(
      id,
      `${endpoint} is answered by an EC2 instance metadata service that knows an instance id: the node's, not the sidecar`,
      NOT_INJECTED,
    );
  }
  return pass(id, `${endpoint} reaches the sidecar`);
}

export function token(seen: Seen, ttl: string): CheckResult {
  if (answered(seen) && seen.status === 200 && seen.body !== '' && seen.ttl === ttl)
    return pass('token', 'IMDSv2 token issued with its TTL header');
  const what = answered(seen)
    ? `HTTP ${seen.status}${seen.ttl === undefined ? ' without a TTL header' : ''}`
    : seen.error;
  return fail(
    'token',
    `PUT /latest/api/token: ${what}`,
    'the sidecar always issues tokens: something else answers this address (a node proxy such as kube2iam or kiam, ' +
      `or a NetworkPolicy/mesh intercepting 169.254.169.254); ${NOT_INJECTED}`,
  );
}

/** GET of the role listing without a token, judged by the pod's http-tokens when known. */
export function imdsV1(seen: Seen, expected: HttpTokens | undefined): CheckResult {
  if (!answered(seen) || (seen.status !== 200 && seen.status !== 401))
    return fail(
      'imdsv1',
      `GET without a token: ${answered(seen) ? `HTTP ${seen.status}` : seen.error}`,
      SIDECAR_LOG,
    );
  const served = seen.status === 200;
  const observed: HttpTokens = served ? 'optional' : 'required';
  if (expected === undefined || expected === observed)
    return pass(
      'imdsv1',
      served ? 'IMDSv1 served (http-tokens optional)' : 'IMDSv1 refused (http-tokens required)',
    );
  return fail(
    'imdsv1',
    served
      ? 'IMDSv1 is served, but http-tokens required was expected'
      : 'IMDSv1 is refused (http-tokens required)',
    `set annotation ${HTTP_TOKENS_ANNOTATION}: "${expected}" (or the webhook's --default-http-tokens) and recreate the pod` +
      (expected === 'optional' ? '; only SDKs without IMDSv2 need it' : ''),
  );
}

/** The role listing: exactly one role name. Returns the name for the next probes. */
export function role(seen: Seen): { result: CheckResult; roleName?: string } {
  if (answered(seen) && seen.status === 200 && /^[\w+=,.@-]{1,64}$/.test(seen.body))
    return { result: pass('role', `role ${seen.body} listed`), roleName: seen.body };
  const what = answered(seen) ? `HTTP ${seen.status}, ${JSON.stringify(seen.body.slice(0, 80))}` : seen.error;
  return {
    result: fail(
      'role',
      `GET meta-data/iam/security-credentials/: ${what}`,
      `the listing must be one role name; ${SIDECAR_LOG}`,
    ),
  };
}

export interface ServedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
}

const IMDS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The credentials document as the SDKs require it (Code Success, string fields, botocore's time format). */
export function credentials(seen: Seen): { result: CheckResult; credentials?: ServedCredentials } {
  if (!answered(seen)) return { result: fail('credentials', seen.error, SIDECAR_LOG) };
  if (seen.status === 503)
    return {
      result: fail(
        'credentials',
        'the sidecar holds no valid credentials (HTTP 503)',
        `${SIDECAR_LOG} names the STS error: usually the role's trust policy (the cluster's OIDC provider, the ` +
          'audience, the service account) or the role ARN annotation',
      ),
    };
  let doc: Record<string, unknown> = {};
  try {
    doc = seen.status === 200 ? (JSON.parse(seen.body) as Record<string, unknown>) : {};
  } catch {
    // judged below as a document without the fields
  }
  const fields = ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'] as const;
  const missing = fields.filter((f) => typeof doc[f] !== 'string' || doc[f] === '');
  if (
    seen.status !== 200 ||
    doc.Code !== 'Success' ||
    missing.length > 0 ||
    !IMDS_TIME.test(String(doc.Expiration))
  )
    return {
      result: fail(
        'credentials',
        `HTTP ${seen.status}: not a credentials document SDKs accept` +
          (missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''),
        SIDECAR_LOG,
      ),
    };
  return {
    result: pass('credentials', `credentials document valid, expiring ${doc.Expiration}`),
    credentials: {
      accessKeyId: doc.AccessKeyId as string,
      secretAccessKey: doc.SecretAccessKey as string,
      sessionToken: doc.Token as string,
      expiresAt: Date.parse(doc.Expiration as string),
    },
  };
}

const minutes = (ms: number) => `${Math.floor(ms / 60_000)} min`;

export function expiry(expiresAt: number, now: number): CheckResult {
  const left = expiresAt - now;
  if (left >= MIN_SERVED_VALIDITY_MS)
    return pass('expiry', `${minutes(left)} left (at least ${minutes(MIN_SERVED_VALIDITY_MS)})`);
  return fail(
    'expiry',
    `only ${minutes(Math.max(0, left))} left; SDKs such as botocore then keep credentials past their expiry`,
    `the sidecar renews when ${minutes(RENEW_AT_REMAINING_MS)} are left: renewals are failing (${SIDECAR_LOG}, metric ` +
      'imds_emulator_sts_errors_total), or the session is too short: raise the session-duration annotation',
  );
}

/** sts:GetCallerIdentity signed with the served credentials: the caller must be a session of the listed role. */
export function sts(
  answer: { arn?: string; account?: string } | { error: string },
  roleName: string,
): CheckResult {
  if ('error' in answer)
    return fail(
      'sts',
      `sts:GetCallerIdentity with the served credentials failed: ${answer.error}`,
      'check --sts and --region; an InvalidClientTokenId/ExpiredToken means STS does not accept what the sidecar serves',
    );
  const session = new RegExp(
    `^arn:[a-z-]+:sts::\\d{12}:assumed-role/${roleName.replace(/[.+]/g, '\\$&')}/[^/]+$`,
  );
  if (answer.arn !== undefined && session.test(answer.arn)) return pass('sts', `signed as ${answer.arn}`);
  return fail(
    'sts',
    `the credentials sign as ${answer.arn ?? 'nobody'}, not as a session of role ${roleName}`,
    `the pod's IMDS answers come from something other than its sidecar; ${NOT_INJECTED}`,
  );
}

/** Exit code 0 only when nothing failed. */
export function exitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
