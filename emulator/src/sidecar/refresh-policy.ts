/**
 * When to call STS next. Pure, so the schedule is unit-tested without timers.
 *
 * botocore rewrites the expiry of IMDS credentials that have less than ~25 minutes left and then uses them past
 * their real expiry, so every document served while STS is healthy must have at least 30 minutes left. We renew
 * when 40 minutes remain, leaving 10 minutes for retries before the guarantee is at risk.
 */

export const MIN_SERVED_VALIDITY_MS = 30 * 60_000;
export const RENEW_AT_REMAINING_MS = 40 * 60_000;
/**
 * The shortest session that renews at RENEW_AT_REMAINING_MS (with at least 5 minutes of use before it); shorter ones
 * renew at half their life, so documents served from them can have less than MIN_SERVED_VALIDITY_MS left. The
 * webhook warns about pods asking for such sessions.
 */
export const FULL_MARGIN_MIN_LIFETIME_MS = RENEW_AT_REMAINING_MS + 5 * 60_000;
/** Spread renewals of pods that started together, so they do not hit STS in the same second. */
export const RENEW_JITTER_MS = 2 * 60_000;
/** The shortest session STS issues (DurationSeconds 900, the sidecar's lowest --session-duration). */
export const MIN_SESSION_MS = 15 * 60_000;
/**
 * Fresh credentials must have at least half of the shortest session left. A 900 s session arrives with its full
 * 15 minutes (minus clock skew), so this refuses only stale answers or clocks that disagree by over 7.5 minutes. Its
 * half-life renewal then comes after at least ~2.8 minutes: a misbehaving STS cannot drive a renewal loop.
 */
export const MIN_ACCEPTED_VALIDITY_MS = MIN_SESSION_MS / 2;

export interface RetryPolicy {
  /** First retry delay after a transient failure; doubles per failure up to maxMs. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** The cap while no credentials are held: the pod's apps are waiting, so retry sooner. */
  readonly startupMaxMs: number;
  /** Delay between tries after an error a human must fix (bad trust policy, unreadable token file). */
  readonly humanMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseMs: 1000,
  maxMs: 30_000,
  startupMaxMs: 5000,
  humanMs: 60_000,
};

/**
 * Delay until the next renewal of credentials valid from `obtainedAt` to `expiresAt`. Sessions too short for the
 * 40-minute margin (session-duration below ~45 minutes) renew at half their life instead.
 */
export function renewDelay(now: number, obtainedAt: number, expiresAt: number, random: number): number {
  const lifetime = expiresAt - obtainedAt;
  const remainingAtRenewal = lifetime >= FULL_MARGIN_MIN_LIFETIME_MS ? RENEW_AT_REMAINING_MS : lifetime / 2;
  const jitter = Math.min(RENEW_JITTER_MS, (lifetime - remainingAtRenewal) / 4) * random;
  return Math.max(0, expiresAt - remainingAtRenewal - jitter - now);
}

/**
 * Why credentials expiring at `expiresAt` (epoch ms, NaN when unparseable) must not be accepted, or undefined.
 * `heldExpiresAt`: the expiry of valid credentials held now, which credentials expiring sooner must not replace.
 */
export function unusableExpiration(
  now: number,
  expiresAt: number,
  heldExpiresAt?: number,
): string | undefined {
  if (!Number.isFinite(expiresAt)) return 'STS answered an Expiration that is not a date';
  const left = expiresAt - now;
  if (left <= 0) return `STS answered credentials that expired ${Math.round(-left / 1000)} s ago`;
  if (left < MIN_ACCEPTED_VALIDITY_MS)
    return `STS answered credentials valid for only ${Math.round(left / 1000)} s (fewer than ${MIN_ACCEPTED_VALIDITY_MS / 1000} s)`;
  if (heldExpiresAt !== undefined && expiresAt < heldExpiresAt)
    return 'STS answered credentials that expire before the ones held';
  return undefined;
}

/**
 * Exponential backoff with jitter (half fixed, half random) after `failures` consecutive transient failures;
 * `holding`: credentials are still held (no app is waiting for the first ones).
 */
export function retryDelay(
  failures: number,
  human: boolean,
  holding: boolean,
  policy: RetryPolicy,
  random: number,
): number {
  const cap = holding ? policy.maxMs : policy.startupMaxMs;
  const ceiling = human ? policy.humanMs : Math.min(cap, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return ceiling / 2 + (ceiling / 2) * random;
}
