/**
 * The sidecar against a misbehaving STS (issue 13): endpoints that never answer or trickle, answers with unusable
 * expirations, and huge bodies. Real sockets on loopback, the real STS client, moto for the recovery.
 */
import type { ServerResponse } from 'node:http';
import { stsFetcher } from '../../emulator/src/sidecar/sts';
import { startMoto } from '../support/moto';
import {
  answerCredentials,
  answerHuge,
  type ListenerMode,
  startFakeSts,
  startSwitchableListener,
} from './fake-sts';
import {
  eventually,
  FAST_RETRY,
  http,
  metric,
  perTestFixtures,
  ROLE_ARN,
  served,
  startTestSidecar,
} from './harness';

/** Short enough for tests; the default (STS_DEADLINE_MS) is 10 s. */
const TEST_DEADLINE_MS = 1000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('sidecar with a misbehaving STS', () => {
  const fx = perTestFixtures();
  const later = fx.later;

  /** The sidecar's real STS client pointed at `endpoint`, with the test deadline. */
  async function sidecarOn(endpoint: string) {
    const sts = stsFetcher({
      roleArn: ROLE_ARN,
      sessionName: 'ns.app-1',
      sessionDuration: 3600,
      tokenFile: fx.dir.tokenFile,
      region: 'us-east-1',
      endpoint,
      deadlineMs: TEST_DEADLINE_MS,
    });
    later({ stop: () => sts.destroy() });
    return later(await startTestSidecar({ 'token-file': fx.dir.tokenFile }, { fetch: sts.fetch }));
  }

  const timeouts = (health: string) =>
    metric(health, 'imds_emulator_sts_errors_total', { code: 'StsTimeout' });

  it.each<ListenerMode>(['blackhole', 'trickle-headers', 'trickle-body'])(
    'STS that accepts and then %s at start: each call is aborted at its deadline, counted, logged once and retried; swapped for moto, the next call serves credentials',
    async (mode) => {
      const moto = later(await startMoto());
      const listener = later(await startSwitchableListener(mode));
      const sc = await sidecarOn(listener.endpoint);
      // Before the fix the first call hung forever: the error count stayed at 0.
      await eventually(async () => (await timeouts(sc.health)) >= 2);
      expect((await http(`${sc.health}/readyz`)).status).toBe(503);
      // One warning, repeats at debug level.
      const [first, ...repeats] = sc.logs().filter((l) => l.code === 'StsTimeout');
      expect(first).toMatchObject({ level: 'warn', msg: 'STS call failed; retrying with backoff' });
      expect(repeats.length).toBeGreaterThanOrEqual(1);
      for (const line of repeats)
        expect(line).toMatchObject({ level: 'debug', msg: 'STS call failed again' });

      const timeoutsAtSwitch = await timeouts(sc.health);
      listener.mode = moto.port;
      await sc.sidecar.ready;
      // Recovery within one backoff period: at most the call already in flight at the switch times out.
      expect(await timeouts(sc.health)).toBeLessThanOrEqual(timeoutsAtSwitch + 1);
      expect((await served(sc.endpoint)).AccessKeyId).toMatch(/^ASIA/);
      expect((await http(`${sc.health}/readyz`)).status).toBe(200);
    },
  );

  it('STS that stops answering at renewal: the renewal ends at its deadline, held credentials are served, and the next renewal after the swap back succeeds', async () => {
    const moto = later(await startMoto());
    const listener = later(await startSwitchableListener(moto.port));
    const sc = await sidecarOn(listener.endpoint);
    await sc.sidecar.ready;
    const before = await served(sc.endpoint);
    listener.mode = 'trickle-body';
    await sc.sidecar.refresh();
    expect(await timeouts(sc.health)).toBe(1);
    expect(await served(sc.endpoint)).toEqual(before);
    listener.mode = moto.port;
    await sc.sidecar.refresh();
    expect((await served(sc.endpoint)).AccessKeyId).not.toBe(before.AccessKeyId);
  });

  /** Calls made during `windowMs` of real time after `start()`. */
  async function callsDuring(calls: () => number, windowMs: number, start: () => unknown = () => undefined) {
    const first = calls();
    start();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    return calls() - first;
  }

  // FAST_RETRY backs off 50-100, 100-200, then 200-400 ms: at most 3 + 2000 / 200 = 13 calls in 2 s, where an
  // accepted answer that needs renewing at once used to loop as fast as loopback HTTP allows (hundreds).
  const WINDOW_MS = 2000;
  const MAX_CALLS_IN_WINDOW = 3 + WINDOW_MS / (FAST_RETRY.maxMs / 2);

  it.each([
    ['already expired', () => '2020-01-01T00:00:00Z', 'StsCredentialsUnusable'],
    ['expiring in 60 s', () => iso(Date.now() + 60_000), 'StsCredentialsUnusable'],
    ['expiring in 5 minutes', () => iso(Date.now() + 5 * 60_000), 'StsCredentialsUnusable'],
    [
      'expiring in 10 minutes, before the held ones',
      () => iso(Date.now() + 10 * 60_000),
      'StsCredentialsUnusable',
    ],
    ['not a date', () => 'not-a-date', 'StsAnswerUnreadable'],
  ])(
    'STS answering credentials %s while good ones are held: an STS error retried with backoff, the held ones kept',
    async (_case, expiration, code) => {
      const sts = later(
        await startFakeSts((res, call) =>
          answerCredentials(res, `ASIA${call}`, call === 1 ? iso(Date.now() + HOUR) : expiration()),
        ),
      );
      const sc = await sidecarOn(sts.endpoint);
      await sc.sidecar.ready;
      const before = await served(sc.endpoint);
      const calls = await callsDuring(sts.calls, WINDOW_MS, () => void sc.sidecar.refresh());
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(calls).toBeLessThanOrEqual(MAX_CALLS_IN_WINDOW);
      expect(await metric(sc.health, 'imds_emulator_sts_errors_total', { code })).toBeGreaterThanOrEqual(2);
      expect(await served(sc.endpoint)).toEqual(before);
      expect((await http(`${sc.health}/readyz`)).status).toBe(200);
      expect(sc.logs().filter((l) => l.code === code && l.level === 'warn')).toHaveLength(1);
    },
  );

  it('STS answering expired credentials at start: not ready, and a bounded call rate rather than a hot loop', async () => {
    const sts = later(
      await startFakeSts((res, call) => answerCredentials(res, `ASIA${call}`, '2020-01-01T00:00:00Z')),
    );
    const sc = await sidecarOn(sts.endpoint);
    const calls = await callsDuring(sts.calls, WINDOW_MS);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(MAX_CALLS_IN_WINDOW);
    expect((await http(`${sc.health}/readyz`)).status).toBe(503);
    expect((await http(`${sc.endpoint}/latest/meta-data/iam/security-credentials/app-role`)).status).toBe(
      503,
    );
  });

  it.each([
    ['with a Content-Length', true],
    ['chunked', false],
  ])(
    'STS answering a 50 MB body %s: refused without reading it, held credentials kept',
    async (_case, declareLength) => {
      const huge = 50 * 1024 * 1024;
      let written: Promise<number> | undefined;
      const sts = later(
        await startFakeSts((res: ServerResponse, call) => {
          if (call === 1) answerCredentials(res, 'ASIA1', iso(Date.now() + HOUR));
          else written = answerHuge(res, huge, declareLength);
        }),
      );
      const sc = await sidecarOn(sts.endpoint);
      await sc.sidecar.ready;
      const before = await served(sc.endpoint);
      await sc.sidecar.refresh();
      expect(await metric(sc.health, 'imds_emulator_sts_errors_total', { code: 'StsResponseTooLarge' })).toBe(
        1,
      );
      // The sidecar closed the connection: the server could write only what the socket buffers took.
      expect(await written).toBeLessThan(huge / 4);
      expect(await served(sc.endpoint)).toEqual(before);
    },
  );
});
