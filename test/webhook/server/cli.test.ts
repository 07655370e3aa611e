/** `imds-emulator webhook` start-up errors, from the compiled CLI: non-zero exit and one line naming the flag. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', '..', 'emulator', 'bin', 'imds-emulator.js');

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, 'webhook', ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('imds-emulator webhook command line', () => {
  it('documents every flag with its environment variable in --help', () => {
    const { status, stdout: wrapped } = run(['--help']);
    expect(status).toBe(0);
    const stdout = wrapped.replace(/\s+/g, ' ');
    for (const flag of [
      '--tls-cert',
      '--cert-mode',
      '--sidecar-mode',
      '--namespace-policy',
      '--token-expiration',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('env: IMDS_EMULATOR_SIDECAR_MODE');
    expect(stdout).toContain('(default: "auto", env: IMDS_EMULATOR_SIDECAR_MODE)');
  });

  it.each([
    [[], {}, '--image (IMDS_EMULATOR_IMAGE): is required'],
    [
      ['--image=x', '--port=99999'],
      {},
      '--port (IMDS_EMULATOR_PORT): must be a whole number from 1 to 65535, got "99999"',
    ],
    [
      ['--image=x', '--sidecar-mode=sometimes'],
      {},
      '--sidecar-mode (IMDS_EMULATOR_SIDECAR_MODE): must be one of native, classic, auto',
    ],
    [
      ['--image=x', '--cert-mode=self-managed'],
      {},
      '--cert-secret (IMDS_EMULATOR_CERT_SECRET): is required with --cert-mode self-managed',
    ],
    [
      ['--image=x'],
      { IMDS_EMULATOR_DEFAULT_HTTP_TOKENS: 'maybe' },
      '--default-http-tokens (IMDS_EMULATOR_DEFAULT_HTTP_TOKENS): must be one of optional, required',
    ],
  ])('%j %j exits non-zero naming the flag', (args, env, message) => {
    const { status, stderr } = run(args, env);
    expect(status).toBe(2);
    expect(stderr).toContain(`imds-emulator: ${message}`);
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('lets the flag win over the environment variable', () => {
    const { status, stderr } = run(['--image=x', '--port=70000'], { IMDS_EMULATOR_PORT: '8443' });
    expect(status).toBe(2);
    expect(stderr).toContain(
      '--port (IMDS_EMULATOR_PORT): must be a whole number from 1 to 65535, got "70000"',
    );
  });

  it('rejects an unknown flag', () => {
    const { status, stderr } = run(['--image=x', '--tls-certificate=/x']);
    expect(status).not.toBe(0);
    expect(stderr).toContain("unknown option '--tls-certificate=/x'");
  });

  it('names --port when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { status, stderr } = run([
        '--image=x',
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--sidecar-mode=native',
        '--namespace-policy=false',
        '--tls-cert=/nonexistent/tls.crt',
        '--tls-key=/nonexistent/tls.key',
      ]);
      expect(status).toBe(2);
      expect(stderr).toContain(`--port ${port}: cannot listen (EADDRINUSE)`);
    } finally {
      blocker.close();
    }
  });
});
