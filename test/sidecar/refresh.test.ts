import { CredentialRefresher, errorCode } from '../../emulator/src/sidecar/credential-refresher';
import type { StsCredentials } from '../../emulator/src/sidecar/credentials-document';
import {
  MIN_ACCEPTED_VALIDITY_MS,
  MIN_SERVED_VALIDITY_MS,
  MIN_SESSION_MS,
  RENEW_AT_REMAINING_MS,
  renewDelay,
  retryDelay,
  unusableExpiration,
} from '../../emulator/src/sidecar/refresh-policy';
import { capturedLogger } from './log-capture';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('refresh policy', () => {
  it('renews a 1-hour session when 40 minutes remain, earlier by at most the jitter', () => {
    expect(renewDelay(0, 0, HOUR, 0)).toBe(HOUR - RENEW_AT_REMAINING_MS);
    const jittered = renewDelay(0, 0, HOUR, 1);
    expect(jittered).toBeLessThan(HOUR - RENEW_AT_REMAINING_MS);
    expect(jittered).toBeGreaterThanOrEqual(HOUR - RENEW_AT_REMAINING_MS - 2 * MINUTE);
  });

  it('renews sessions too short for the margin at half their life', () => {
    expect(renewDelay(0, 0, 15 * MINUTE, 0)).toBe(7.5 * MINUTE);
  });

  it('accepts fresh credentials down to the shortest session, with minutes of clock skew, and refuses stale ones', () => {
    expect(unusableExpiration(0, MIN_SESSION_MS)).toBeUndefined();
    expect(unusableExpiration(0, MIN_SESSION_MS - 5 * MINUTE)).toBeUndefined();
    expect(unusableExpiration(0, 12 * HOUR)).toBeUndefined();
    expect(unusableExpiration(0, MIN_ACCEPTED_VALIDITY_MS - 1)).toMatch(/valid for only/);
    expect(unusableExpiration(0, 0)).toMatch(/expired 0 s ago/);
    expect(unusableExpiration(HOUR, 0)).toMatch(/expired 3600 s ago/);
    expect(unusableExpiration(0, Number.NaN)).toMatch(/not a date/);
    // Never a replacement for held credentials that last longer; ones lasting as long or longer replace them.
    expect(unusableExpiration(0, 20 * MINUTE, 30 * MINUTE)).toMatch(/expire before the ones held/);
    expect(unusableExpiration(0, HOUR, 30 * MINUTE)).toBeUndefined();
    expect(unusableExpiration(0, 30 * MINUTE, 30 * MINUTE)).toBeUndefined();
    // The soonest renewal of an accepted answer is minutes away: no renewal loop.
    expect(renewDelay(0, 0, MIN_ACCEPTED_VALIDITY_MS, 1)).toBeGreaterThan(2 * MINUTE);
  });

  it('backs off exponentially with jitter up to the cap (lower while nothing is held), slowly for errors a human must fix', () => {
    const policy = { baseMs: 1000, maxMs: 30_000, startupMaxMs: 5000, humanMs: 60_000 };
    expect(retryDelay(1, false, true, policy, 1)).toBe(1000);
    expect(retryDelay(1, false, true, policy, 0)).toBe(500);
    expect(retryDelay(4, false, true, policy, 1)).toBe(8000);
    expect(retryDelay(20, false, true, policy, 1)).toBe(30_000);
    expect(retryDelay(20, false, false, policy, 1)).toBe(5000);
    expect(retryDelay(1, true, true, policy, 0)).toBe(30_000);
    expect(retryDelay(1, true, false, policy, 0)).toBe(30_000);
  });
});

describe('credential refresher (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  /** An STS stand-in: issues 1-hour credentials numbered by call, or fails while `failWith` is set. */
  function sts() {
    const state = { calls: 0, failWith: undefined as Error | undefined };
    const fetch = async (): Promise<StsCredentials> => {
      state.calls++;
      await Promise.resolve();
      if (state.failWith) throw state.failWith;
      return {
        accessKeyId: `ASIA${state.calls}`,
        secretAccessKey: `secret-${state.calls}`,
        sessionToken: `token-${state.calls}`,
        expiration: new Date(Date.now() + HOUR),
      };
    };
    return { state, fetch };
  }

  function start(fetch: () => Promise<StsCredentials>, random = 0.5) {
    const { log, lines } = capturedLogger();
    const refresher = new CredentialRefresher({
      fetch,
      accountId: '123456789012',
      log,
      random: () => random,
    });
    void refresher.refresh();
    return { refresher, lines };
  }

  const remaining = (r: CredentialRefresher) => (r.current()?.expiresAt ?? 0) - Date.now();

  it('while STS is healthy, every document served has at least 30 minutes left, with one STS call per renewal', async () => {
    const { state, fetch } = sts();
    const { refresher } = start(fetch, Math.random());
    await jest.advanceTimersByTimeAsync(0);
    for (let minute = 0; minute < 6 * 60; minute++) {
      expect(remaining(refresher)).toBeGreaterThanOrEqual(MIN_SERVED_VALIDITY_MS);
      await jest.advanceTimersByTimeAsync(MINUTE);
    }
    // Renewal every 18-20 minutes over 6 hours: 18 to 21 calls, never one per request.
    expect(state.calls).toBeGreaterThanOrEqual(18);
    expect(state.calls).toBeLessThanOrEqual(22);
    refresher.stop();
  });

  it('shares one STS call among concurrent refresh requests', async () => {
    const { state, fetch } = sts();
    const { refresher } = start(fetch);
    await Promise.all(Array.from({ length: 20 }, () => refresher.refresh()));
    expect(state.calls).toBe(1);
    expect(refresher.current()?.legacy.body.toString()).toContain('ASIA1');
    refresher.stop();
  });

  it('keeps serving held credentials while STS is down, retries with backoff, and never serves them expired', async () => {
    const { state, fetch } = sts();
    const { refresher, lines } = start(fetch);
    await jest.advanceTimersByTimeAsync(0);
    const first = refresher.current();
    state.failWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    await jest.advanceTimersByTimeAsync(30 * MINUTE);
    expect(refresher.current()).toBe(first);
    const callsWhileDown = state.calls;
    // Backoff: 1, 2, 4, 8, 16, then every ~30 s for the ~10 minutes since the renewal: a few dozen, not thousands.
    expect(callsWhileDown).toBeGreaterThan(5);
    expect(callsWhileDown).toBeLessThan(60);
    await jest.advanceTimersByTimeAsync(30 * MINUTE);
    expect(refresher.current()).toBeUndefined();
    const warnings = lines().filter((l) => l.code === 'ECONNREFUSED' && l.level === 'warn');
    expect(warnings).toHaveLength(1);
    state.failWith = undefined;
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(remaining(refresher)).toBeGreaterThan(50 * MINUTE);
    expect(lines().some((l) => l.msg === 'STS answers again')).toBe(true);
    refresher.stop();
  });

  it('is not ready until STS first answers', async () => {
    const { state, fetch } = sts();
    state.failWith = new Error('down');
    const { refresher } = start(fetch);
    let ready = false;
    void refresher.ready.then(() => {
      ready = true;
    });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(ready).toBe(false);
    expect(refresher.current()).toBeUndefined();
    state.failWith = undefined;
    await jest.advanceTimersByTimeAsync(30_000);
    expect(ready).toBe(true);
    refresher.stop();
  });

  it('logs an error a human must fix once, with the fix, and retries it only about once a minute', async () => {
    const { state, fetch } = sts();
    state.failWith = Object.assign(new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity'), {
      name: 'AccessDenied',
    });
    const { refresher, lines } = start(fetch);
    await jest.advanceTimersByTimeAsync(10 * MINUTE);
    expect(state.calls).toBeGreaterThanOrEqual(10);
    expect(state.calls).toBeLessThanOrEqual(21);
    const errors = lines().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'AccessDenied', fix: expect.stringContaining('trust policy') });
    refresher.stop();
  });

  it('keeps the last failure until STS answers again, one a human must fix over a transient one', async () => {
    const { state, fetch } = sts();
    state.failWith = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const { refresher } = start(fetch);
    await jest.advanceTimersByTimeAsync(0);
    expect(refresher.lastFailure()).toEqual({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    });
    const denied = Object.assign(new Error('Not authorized to perform sts:AssumeRoleWithWebIdentity'), {
      name: 'AccessDeniedException',
    });
    state.failWith = denied;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(refresher.lastFailure()).toEqual({ code: 'AccessDenied', message: denied.message });
    state.failWith = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    await jest.advanceTimersByTimeAsync(2 * MINUTE);
    expect(refresher.lastFailure()?.code).toBe('AccessDenied');
    state.failWith = undefined;
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(refresher.current()).toBeDefined();
    expect(refresher.lastFailure()).toBeUndefined();
    refresher.stop();
  });

  it('refuses credentials STS answers already expired: an STS error with backoff, the held ones kept', async () => {
    const { state, fetch } = sts();
    let expiration: Date | undefined;
    const { refresher, lines } = start(async () => ({
      ...(await fetch()),
      ...(expiration ? { expiration } : {}),
    }));
    await jest.advanceTimersByTimeAsync(0);
    const first = refresher.current();
    expiration = new Date('2020-01-01T00:00:00Z');
    void refresher.refresh();
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(refresher.current()).toBe(first);
    // Backoff 0.75, 1.5, 3, 6, 12, 24, 30 s... : about ten calls in a minute, not a loop.
    expect(state.calls).toBeGreaterThan(3);
    expect(state.calls).toBeLessThan(15);
    const warned = lines().filter((l) => l.code === 'StsCredentialsUnusable');
    expect(warned[0]).toMatchObject({ level: 'warn', error: expect.stringContaining('expired') });
    refresher.stop();
  });

  it('stops scheduling after stop()', async () => {
    const { state, fetch } = sts();
    const { refresher } = start(fetch);
    await jest.advanceTimersByTimeAsync(0);
    refresher.stop();
    await jest.advanceTimersByTimeAsync(5 * HOUR);
    expect(state.calls).toBe(1);
  });

  it('normalises error codes from the SDK and from Node', () => {
    expect(errorCode(Object.assign(new Error('x'), { name: 'InvalidIdentityTokenException' }))).toBe(
      'InvalidIdentityToken',
    );
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCode(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'))).toBe(
      'ECONNREFUSED',
    );
    expect(errorCode('text')).toBe('Unknown');
  });
});
