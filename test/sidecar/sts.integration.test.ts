/** The sidecar against a real STS (moto_server): credentials, session name, and the STS fault cases. */
import { unlinkSync } from 'node:fs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type RunningMoto, startMoto } from '../support/moto';
import { freePort } from '../support/ports';
import {
  ACCESS_DENIED,
  CREDS_PATH,
  eventually,
  http,
  metric,
  perTestFixtures,
  type Relay,
  served,
  startRelay,
  startTestSidecar,
  THROTTLED,
  webIdentityToken,
} from './harness';

describe('sidecar with a real STS (moto)', () => {
  const fx = perTestFixtures();
  const later = fx.later;

  it('obtains credentials with AssumeRoleWithWebIdentity under the pod session name and becomes ready', async () => {
    const moto = later(await startMoto());
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': moto.endpoint }),
    );
    await sc.sidecar.ready;
    expect((await http(`${sc.health}/readyz`)).status).toBe(200);
    expect((await http(`${sc.health}/healthz`)).status).toBe(200);
    const creds = await served(sc.endpoint);
    const remainingMs = Date.parse(creds.Expiration) - Date.now();
    expect(remainingMs).toBeGreaterThan(55 * 60_000);
    const sts = new STSClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: {
        accessKeyId: creds.AccessKeyId,
        secretAccessKey: creds.SecretAccessKey,
        sessionToken: creds.Token,
      },
    });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(identity.Arn).toBe('arn:aws:sts::123456789012:assumed-role/app-role/ns.app-1');
    expect(await metric(sc.health, 'imds_emulator_sts_calls_total')).toBe(1);
    expect(await metric(sc.health, 'imds_emulator_credentials_expiry_seconds')).toBeGreaterThan(55 * 60);
  });

  it('answers requests from what it holds: a burst of GETs never triggers STS calls', async () => {
    const moto = later(await startMoto());
    const relay = later(await startRelay(moto.endpoint));
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': relay.endpoint }),
    );
    await sc.sidecar.ready;
    const answers = await Promise.all(Array.from({ length: 200 }, () => http(`${sc.endpoint}${CREDS_PATH}`)));
    expect(new Set(answers.map((a) => `${a.status} ${a.body}`)).size).toBe(1);
    expect(answers[0].status).toBe(200);
    expect(relay.requests).toHaveLength(1);
    expect(await metric(sc.health, 'imds_emulator_sts_calls_total')).toBe(1);
  });

  it('STS down at start: not ready and 503, then ready once STS comes up', async () => {
    const port = await freePort();
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': `http://127.0.0.1:${port}` }),
    );
    await eventually(async () => (await metric(sc.health, 'imds_emulator_sts_errors_total')) >= 2);
    expect((await http(`${sc.health}/readyz`)).status).toBe(503);
    expect((await http(`${sc.endpoint}${CREDS_PATH}`)).status).toBe(503);
    later(await startMoto({ port }));
    await eventually(async () => (await http(`${sc.health}/readyz`)).status === 200);
    expect((await served(sc.endpoint)).AccessKeyId).toMatch(/^ASIA/);
    const warned = sc.logs().filter((l) => l.level === 'warn' && l.code === 'ECONNREFUSED');
    expect(warned).toHaveLength(1);
  });

  it('STS down at refresh: the held credentials are still served and the sidecar stays ready', async () => {
    const moto: RunningMoto = await startMoto();
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': moto.endpoint }),
    );
    await sc.sidecar.ready;
    const before = await served(sc.endpoint);
    await moto.stop();
    await sc.sidecar.refresh();
    expect(await metric(sc.health, 'imds_emulator_sts_errors_total')).toBeGreaterThanOrEqual(1);
    expect(await served(sc.endpoint)).toEqual(before);
    expect((await http(`${sc.health}/readyz`)).status).toBe(200);
  });

  it('re-reads the rotated token file for the next STS call', async () => {
    const moto = later(await startMoto());
    const relay: Relay = later(await startRelay(moto.endpoint));
    const first = fx.dir.writeToken();
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': relay.endpoint }),
    );
    await sc.sidecar.ready;
    const before = await served(sc.endpoint);
    expect(relay.requests.map(webIdentityToken)).toEqual([first]);
    const rotated = fx.dir.writeToken(`${first.split('.').slice(0, 2).join('.')}.rotated-signature`);
    await sc.sidecar.refresh();
    expect(relay.requests.map(webIdentityToken)).toEqual([first, rotated]);
    expect((await served(sc.endpoint)).AccessKeyId).not.toBe(before.AccessKeyId);
  });

  it('retries STS throttling with backoff, logging it once, and then serves credentials', async () => {
    const moto = later(await startMoto());
    // The relay records each request before asking: the first three STS calls are throttled.
    const relay: Relay = later(
      await startRelay(moto.endpoint, () => (relay.requests.length <= 3 ? THROTTLED : undefined)),
    );
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': relay.endpoint }),
    );
    await sc.sidecar.ready;
    expect(relay.requests).toHaveLength(4);
    expect(await metric(sc.health, 'imds_emulator_sts_errors_total', { code: 'Throttling' })).toBe(3);
    expect(sc.logs().filter((l) => l.code === 'Throttling' && l.level === 'warn')).toHaveLength(1);
    expect((await http(`${sc.health}/readyz`)).status).toBe(200);
  });

  it('logs AccessDenied once with the likely fix and retries it slowly, not in a hot loop', async () => {
    const moto = later(await startMoto());
    const relay = later(await startRelay(moto.endpoint, () => ACCESS_DENIED));
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': relay.endpoint }),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // humanMs is 1 s in tests (60 s by default): retries 0.5-1 s apart, so 3-6 calls in 2.5 s; the transient-error
    // backoff (100-400 ms in tests) would have made about ten.
    expect(relay.requests.length).toBeGreaterThanOrEqual(3);
    expect(relay.requests.length).toBeLessThanOrEqual(6);
    const errors = sc.logs().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'AccessDenied', fix: expect.stringContaining('trust policy') });
    expect((await http(`${sc.health}/readyz`)).status).toBe(503);
  });

  it('an unreadable token file at refresh is logged with the fix while held credentials are served', async () => {
    const moto = later(await startMoto());
    const sc = later(
      await startTestSidecar({ 'token-file': fx.dir.tokenFile, 'sts-endpoint': moto.endpoint }),
    );
    await sc.sidecar.ready;
    const before = await served(sc.endpoint);
    unlinkSync(fx.dir.tokenFile);
    await sc.sidecar.refresh();
    const error = sc.logs().find((l) => l.level === 'error');
    expect(error).toMatchObject({
      code: 'TokenFileUnreadable',
      fix: expect.stringContaining('--token-file'),
    });
    expect(String(error?.error)).toContain(fx.dir.tokenFile);
    expect(await served(sc.endpoint)).toEqual(before);
  });
});
