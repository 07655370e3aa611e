/**
 * The compiled CLI as a process (`npm run build` first): flag errors, env configuration, SIGTERM drain, --wait-ready,
 * and that no secret reaches the logs.
 */
import { Agent, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { type RunningMoto, startMoto, stopProcess } from '../support/moto';
import { freePort } from '../support/ports';
import { writeLocalhostTls } from '../support/tls';
import { eventually, http, ROLE_ARN, served } from './harness';
import { sidecarProcesses } from './process';

describe('imds-emulator sidecar (process)', () => {
  const fx = sidecarProcesses();
  const run = fx.run;

  it.each([
    [
      ['--role-arn', 'arn:aws:iam::123:role/x'],
      /--role-arn \(IMDS_EMULATOR_ROLE_ARN\): must be an IAM role ARN .*, got "arn:aws:iam::123:role\/x"/,
    ],
    [[], /--role-arn \(IMDS_EMULATOR_ROLE_ARN\): is required/],
    [['--role-arn', ROLE_ARN, '--session-duration', '60'], /--session-duration .* 900 to 43200/],
    [['--role-arn', ROLE_ARN, '--http-tokens', 'yes'], /--http-tokens .* must be one of optional, required/],
    [['--role-arn', ROLE_ARN, '--port', '0'], /--port .* 1 to 65535/],
    [
      ['--role-arn', ROLE_ARN, '--token-file', '/nonexistent/token'],
      /--token-file .*\/nonexistent\/token \(ENOENT\)/,
    ],
    [['--role-arn', ROLE_ARN, '--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('%j exits non-zero naming what to fix', async (args, message) => {
    const proc = run([...args, ...(args.includes('--token-file') ? [] : ['--token-file', fx.dir.tokenFile])]);
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.output().stderr).toMatch(message);
    expect(proc.output().stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('a port in use exits 2 naming the flag', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as AddressInfo).port;
    try {
      const proc = run(['--role-arn', ROLE_ARN, '--token-file', fx.dir.tokenFile, '--port', String(port)]);
      expect((await proc.exited).code).toBe(2);
      expect(proc.output().stderr).toContain(`--port: cannot listen on 127.0.0.1 port ${port} (EADDRINUSE)`);
    } finally {
      busy.close();
    }
  });

  it('reads flags from IMDS_EMULATOR_* variables, the flag winning', async () => {
    const proc = run(['--http-tokens', 'required'], {
      IMDS_EMULATOR_ROLE_ARN: ROLE_ARN,
      IMDS_EMULATOR_HTTP_TOKENS: 'bogus',
      IMDS_EMULATOR_SESSION_DURATION: '12',
    });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.output().stderr).toMatch(
      /--session-duration \(IMDS_EMULATOR_SESSION_DURATION\): must be a whole number from 900 to 43200, got "12"/,
    );
  });

  it('reaches an HTTPS STS whose CA is in NODE_EXTRA_CA_CERTS, and names the TLS error without it', async () => {
    const tls = await writeLocalhostTls(fx.dir.path);
    const moto = await startMoto({ tls });
    try {
      const sidecar = async (extra: NodeJS.ProcessEnv) => {
        const [port, healthPort] = [await freePort(), await freePort()];
        const args = [
          '--role-arn',
          ROLE_ARN,
          '--token-file',
          fx.dir.tokenFile,
          '--sts-endpoint',
          moto.endpoint,
        ];
        const env = { IMDS_EMULATOR_PORT: String(port), IMDS_EMULATOR_HEALTH_PORT: String(healthPort) };
        return { health: `http://127.0.0.1:${healthPort}`, proc: run(args, { ...env, ...extra }) };
      };
      const readyz = (health: string) => http(`${health}/readyz`).catch(() => ({ status: 0, body: '' }));
      const trusted = await sidecar({ NODE_EXTRA_CA_CERTS: tls.caFile });
      const untrusted = await sidecar({});
      await eventually(async () => (await readyz(trusted.health)).status === 200);
      await eventually(() => untrusted.proc.output().stdout.includes('NODE_EXTRA_CA_CERTS'));
      expect((await readyz(untrusted.health)).status).toBe(503);
      const failure = untrusted.proc
        .output()
        .stdout.split('\n')
        .find((line) => line.includes('NODE_EXTRA_CA_CERTS'));
      expect(JSON.parse(failure ?? '{}')).toMatchObject({
        level: 'error',
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    } finally {
      await moto.stop();
    }
  });

  describe('with STS', () => {
    let moto: RunningMoto;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(() => moto?.stop());

    it('serves, drains for --drain-seconds after SIGTERM, exits 0, and never logs a secret', async () => {
      const [port, healthPort] = [await freePort(), await freePort()];
      const token = fx.dir.writeToken();
      const proc = run([], {
        IMDS_EMULATOR_ROLE_ARN: ROLE_ARN,
        IMDS_EMULATOR_TOKEN_FILE: fx.dir.tokenFile,
        IMDS_EMULATOR_PORT: String(port),
        IMDS_EMULATOR_HEALTH_PORT: String(healthPort),
        IMDS_EMULATOR_STS_ENDPOINT: moto.endpoint,
        IMDS_EMULATOR_DRAIN_SECONDS: '2',
        IMDS_EMULATOR_LOG_LEVEL: 'debug',
      });
      const health = `http://127.0.0.1:${healthPort}`;
      const endpoint = `http://127.0.0.1:${port}`;
      await eventually(
        async () => (await http(`${health}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      );
      const v2 = await http(`${endpoint}/latest/api/token`, {
        method: 'PUT',
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
      });
      const creds = await served(endpoint, true);
      // An app holding a keep-alive connection open must not keep the sidecar from exiting.
      const keepAlive = new Agent({ keepAlive: true });
      await new Promise((done) =>
        get(`${endpoint}/latest/meta-data/iam/security-credentials/`, { agent: keepAlive }, (res) =>
          res.resume().on('end', done),
        ),
      );
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      await eventually(async () => (await http(`${health}/readyz`)).status === 503, 1500);
      expect((await served(endpoint)).AccessKeyId).toBe(creds.AccessKeyId);
      const { code, at } = await proc.exited;
      keepAlive.destroy();
      expect(code).toBe(0);
      expect(at - signalledAt).toBeGreaterThanOrEqual(2000);
      expect(at - signalledAt).toBeLessThan(6000);
      const { stdout, stderr } = proc.output();
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'sidecar started',
          'credentials obtained from STS',
          'draining before exit',
          'stopped',
        ]),
      );
      for (const secret of [creds.SecretAccessKey, creds.Token, token, token.split('.')[2], v2.body]) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
    });

    it('--wait-ready returns only once the sidecar is ready', async () => {
      const [port, healthPort, stsPort] = [await freePort(), await freePort(), await freePort()];
      const waiter = run(['--wait-ready', '--health-port', String(healthPort)]);
      const sidecar = run([
        '--role-arn',
        ROLE_ARN,
        '--token-file',
        fx.dir.tokenFile,
        '--port',
        String(port),
        '--health-port',
        String(healthPort),
        '--sts-endpoint',
        `http://127.0.0.1:${stsPort}`,
      ]);
      await eventually(
        async () =>
          (await http(`http://127.0.0.1:${healthPort}/readyz`).catch(() => ({ status: 0 }))).status === 503,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(waiter.child.exitCode).toBeNull();
      const lateSts = await startMoto({ port: stsPort });
      try {
        const { code } = await waiter.exited;
        expect(code).toBe(0);
        expect((await http(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
      } finally {
        await stopProcess(sidecar.child);
        await lateSts.stop();
      }
    });
  });
});
