/**
 * What `kubectl describe pod` shows after the kubelet kills a sidecar that never got credentials (issue 17 part 2):
 * the compiled CLI (`npm run build` first) against moto on loopback, stopped with SIGTERM as the kubelet does after
 * the startup probe fails. The termination-message file is made empty beforehand, as the kubelet makes it.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto } from '../support/moto';
import { freePort } from '../support/ports';
import { writeLocalhostTls } from '../support/tls';
import { startFakeSts } from './fake-sts';
import { ACCESS_DENIED, eventually, http, ROLE_ARN, startRelay } from './harness';
import { type SidecarProcess, sidecarProcesses } from './process';

describe('sidecar termination message (process)', () => {
  const fx = sidecarProcesses();
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  /** The sidecar on `stsEndpoint` with pod details from the downward-API variables, as the webhook injects it. */
  async function sidecar(stsEndpoint: string, env: NodeJS.ProcessEnv = {}) {
    const messageFile = join(fx.dir.path, 'termination-log');
    writeFileSync(messageFile, '', { mode: 0o666 });
    const healthPort = await freePort();
    // Set by variable, not flag: the sidecar without this feature ignores it and still runs (and fails the test).
    // The default drain (5 s): a sidecar without credentials skips it.
    const proc = fx.run(['--role-arn', ROLE_ARN, '--token-file', fx.dir.tokenFile], {
      IMDS_EMULATOR_PORT: String(await freePort()),
      IMDS_EMULATOR_HEALTH_PORT: String(healthPort),
      IMDS_EMULATOR_STS_ENDPOINT: stsEndpoint,
      IMDS_EMULATOR_POD_NAMESPACE: 'ns',
      IMDS_EMULATOR_POD_NAME: 'app-1',
      IMDS_EMULATOR_SERVICE_ACCOUNT: 'app',
      IMDS_EMULATOR_TERMINATION_MESSAGE_PATH: messageFile,
      ...env,
    });
    return { proc, messageFile, health: `http://127.0.0.1:${healthPort}` };
  }

  const logged = (proc: SidecarProcess, code: string) => proc.logs().some((l) => l.code === code);

  /** SIGTERM, as the kubelet sends after the startup probe's last failure; the exit code and the file. */
  async function kill(proc: SidecarProcess, messageFile: string) {
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    return { code, message: readFileSync(messageFile, 'utf8') };
  }

  function expectNoToken(text: string, token: string) {
    for (const part of [token, ...token.split('.')]) expect(text).not.toContain(part);
  }

  it('AccessDenied from STS: exits 1 and leaves the reason, the role, the subject and the audience', async () => {
    const moto = await startMoto();
    stops.push(() => moto.stop());
    const relay = await startRelay(moto.endpoint, () => ACCESS_DENIED);
    stops.push(() => relay.stop());
    const token = fx.dir.writeToken();
    const { proc, messageFile, health } = await sidecar(relay.endpoint);
    await eventually(() => logged(proc, 'AccessDenied'));
    expect((await http(`${health}/readyz`)).status).toBe(503);
    const { code, message } = await kill(proc, messageFile);
    expect(code).toBe(1);
    expect(message).toMatch(/^AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\. Fix: /);
    expect(message).toContain(`the trust policy of ${ROLE_ARN}`);
    expect(message).toContain('system:serviceaccount:ns:app');
    // From the token's claims (test/support/jwt.ts).
    expect(message).toContain('oidc.test.invalid/cluster:aud = sts.amazonaws.com');
    expectNoToken(message, token);
    expect(proc.logs().find((l) => l.msg === 'draining before exit')).toMatchObject({ drainSeconds: 0 });
    expect(proc.logs().find((l) => l.msg === 'stopped')).toMatchObject({ exitCode: 1 });
  });

  it('a token file that disappears: exits 1 naming the file and the mount to fix', async () => {
    // STS unavailable at first (a transient error), so that the token is read, and found, once.
    const sts = await startFakeSts((res) => res.writeHead(503).end());
    stops.push(() => sts.stop());
    const { proc, messageFile } = await sidecar(sts.endpoint);
    await eventually(() => sts.calls() >= 1 && proc.logs().some((l) => l.level === 'warn'));
    unlinkSync(fx.dir.tokenFile);
    await eventually(() => logged(proc, 'TokenFileUnreadable'));
    const { code, message } = await kill(proc, messageFile);
    expect(code).toBe(1);
    expect(message).toMatch(
      new RegExp(
        `^TokenFileUnreadable: cannot read the service-account token file ${fx.dir.tokenFile} \\(ENOENT\\)`,
      ),
    );
    expect(message).toContain(`Fix: mount the projected service-account token at ${fx.dir.tokenFile}`);
  });

  it('an STS certificate the sidecar does not trust: exits 1 with the TLS error and NODE_EXTRA_CA_CERTS as the fix', async () => {
    const tls = await writeLocalhostTls(fx.dir.path);
    const moto = await startMoto({ tls });
    stops.push(() => moto.stop());
    const token = fx.dir.writeToken();
    const { proc, messageFile } = await sidecar(moto.endpoint);
    await eventually(() => logged(proc, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'));
    const { code, message } = await kill(proc, messageFile);
    expect(code).toBe(1);
    expect(message).toMatch(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE: .+\. Fix: .*NODE_EXTRA_CA_CERTS/);
    expectNoToken(message, token);
  });

  it('an STS that keeps failing with a transient error: exits 1 with that error and where to look', async () => {
    const sts = await startFakeSts((res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('down'));
    stops.push(() => sts.stop());
    const { proc, messageFile } = await sidecar(sts.endpoint);
    await eventually(() => proc.logs().some((l) => l.level === 'warn' && typeof l.code === 'string'));
    const { code, message } = await kill(proc, messageFile);
    expect(code).toBe(1);
    expect(message).toMatch(
      /^\w+: .*\. Fix: retried with backoff without success: check that the pod reaches the STS endpoint/,
    );
  });

  it('credentials held: exits 0 and writes nothing, as before', async () => {
    const moto = await startMoto();
    stops.push(() => moto.stop());
    const { proc, messageFile, health } = await sidecar(moto.endpoint);
    await eventually(
      async () => (await http(`${health}/readyz`).catch(() => ({ status: 0 }))).status === 200,
    );
    const { code, message } = await kill(proc, messageFile);
    expect(code).toBe(0);
    expect(message).toBe('');
    expect(proc.logs().find((l) => l.msg === 'draining before exit')).toMatchObject({ drainSeconds: 5 });
  });

  it('a termination-message path that cannot be written: a warning, still exit 1', async () => {
    const moto = await startMoto();
    stops.push(() => moto.stop());
    const relay = await startRelay(moto.endpoint, () => ACCESS_DENIED);
    stops.push(() => relay.stop());
    const missing = join(fx.dir.path, 'no-such-dir', 'termination-log');
    const { proc } = await sidecar(relay.endpoint, { IMDS_EMULATOR_TERMINATION_MESSAGE_PATH: missing });
    await eventually(() => logged(proc, 'AccessDenied'));
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(1);
    expect(proc.logs().find((l) => l.path === missing)).toMatchObject({ level: 'warn', reason: 'ENOENT' });
    expect(proc.output().stderr).not.toMatch(/\n\s+at /); // no crash
  });
});
