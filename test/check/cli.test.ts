/**
 * `imds-emulator check` as a process (emulator/bin) against real sidecars on loopback whose credentials come from a
 * real STS (moto): the passing pod, and each failure it must report with exit code 1.
 */
import { CHECK_IDS, type CheckResult } from '../../emulator/src/check/checks';
import {
  type Relay,
  startRelay,
  startTestSidecar,
  type TempDir,
  type TestSidecar,
  tempDir,
} from '../sidecar/harness';
import { type RunningMoto, startMoto } from '../support/moto';
import { freePort } from '../support/ports';
import { type CliRun, runCli } from './process';

function check(args: string[]): Promise<CliRun> {
  return runCli(['check', ...args]);
}

/** The JSON report: the status of each check by id. */
async function statuses(
  args: string[],
): Promise<{ code: number | null; checks: Record<string, CheckResult> }> {
  const run = await check([...args, '--json']);
  const report = JSON.parse(run.stdout) as { checks: CheckResult[] };
  return { code: run.code, checks: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}

const statusOf = (checks: Record<string, CheckResult>) =>
  Object.fromEntries(Object.entries(checks).map(([id, c]) => [id, c.status]));

describe('imds-emulator check against a real sidecar', () => {
  let moto: RunningMoto;
  let dir: TempDir;
  let optional: TestSidecar;
  let required: TestSidecar;
  let short: TestSidecar;
  /** In front of the optional sidecar: answers instance-id, as the node's real IMDS would. */
  let nodeImds: Relay;

  beforeAll(async () => {
    dir = tempDir();
    dir.writeToken();
    moto = await startMoto();
    const common = { 'token-file': dir.tokenFile, 'sts-endpoint': moto.endpoint };
    optional = await startTestSidecar(common);
    required = await startTestSidecar({ ...common, 'http-tokens': 'required', 'pod-name': 'app-2' });
    // The shortest session STS grants: 15 minutes, under the 30 the check requires.
    short = await startTestSidecar({ ...common, 'session-duration': '900', 'pod-name': 'app-3' });
    await Promise.all([optional.sidecar.ready, required.sidecar.ready, short.sidecar.ready]);
    nodeImds = await startRelay(optional.endpoint, (req) =>
      req.path.startsWith('/latest/meta-data/instance-id')
        ? { status: 200, body: 'i-0123456789abcdef0' }
        : undefined,
    );
  }, 120_000);

  afterAll(async () => {
    await nodeImds?.stop();
    await optional?.stop();
    await required?.stop();
    await short?.stop();
    await moto?.stop();
    dir?.remove();
  });

  it('passes everything, IPv6 and STS included, and exits 0', async () => {
    const port = new URL(optional.endpoint).port;
    const args = ['--endpoint', optional.endpoint, '--ipv6', 'on', '--ipv6-endpoint', `http://[::1]:${port}`];
    const { code, checks } = await statuses([...args, '--sts', moto.endpoint, '--http-tokens', 'optional']);
    expect(statusOf(checks)).toEqual(Object.fromEntries(CHECK_IDS.map((id) => [id, 'pass'])));
    expect(checks.sts.message).toBe('signed as arn:aws:sts::123456789012:assumed-role/app-role/ns.app-1');
    expect(code).toBe(0);
    const human = await check([...args]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('skip sts: not asked for');
    expect(human.stdout.trim().split('\n').pop()).toBe('all checks passed');
  });

  it('fails when the sidecar is down, and skips what depends on it', async () => {
    const { code, checks } = await statuses([
      '--endpoint',
      `http://127.0.0.1:${await freePort()}`,
      '--ipv6',
      'off',
    ]);
    expect(code).toBe(1);
    expect(checks.reach.status).toBe('fail');
    expect(checks.reach.message).toContain('ECONNREFUSED');
    expect(statusOf(checks)).toMatchObject({ token: 'skip', credentials: 'skip', sts: 'skip' });
  });

  it('fails when IMDSv1 is refused but the pod should allow it, passes when required is expected', async () => {
    const args = ['--endpoint', required.endpoint, '--ipv6', 'off', '--sts', moto.endpoint];
    const wrong = await statuses([...args, '--http-tokens', 'optional']);
    expect(wrong.code).toBe(1);
    expect(wrong.checks.imdsv1.status).toBe('fail');
    expect(wrong.checks.imdsv1.fix).toContain('aws-imds-emulator-http-tokens: "optional"');
    expect(wrong.checks.sts.status).toBe('pass');
    const right = await statuses([...args, '--http-tokens', 'required']);
    expect([right.code, right.checks.imdsv1.status]).toEqual([0, 'pass']);
  });

  it('fails when IMDSv1 is served but required was expected', async () => {
    const { code, checks } = await statuses([
      '--endpoint',
      optional.endpoint,
      '--ipv6',
      'off',
      '--http-tokens',
      'required',
    ]);
    expect([code, checks.imdsv1.status]).toEqual([1, 'fail']);
  });

  it('fails credentials with less than 30 minutes left', async () => {
    const { code, checks } = await statuses(['--endpoint', short.endpoint, '--ipv6', 'off']);
    expect(code).toBe(1);
    expect(checks.credentials.status).toBe('pass');
    expect(checks.expiry.status).toBe('fail');
    expect(checks.expiry.message).toMatch(/only 1[0-4] min left/);
  });

  it('fails when the address is answered by an IMDS that knows an instance id (the node’s)', async () => {
    const { code, checks } = await statuses(['--endpoint', nodeImds.endpoint, '--ipv6', 'off']);
    expect([code, checks.reach.status]).toEqual([1, 'fail']);
    expect(checks.reach.message).toContain("the node's, not the sidecar");
  });

  it('fails the STS check when STS cannot be reached', async () => {
    const sts = `http://127.0.0.1:${await freePort()}`;
    const { code, checks } = await statuses(['--endpoint', optional.endpoint, '--ipv6', 'off', '--sts', sts]);
    expect([code, checks.sts.status]).toEqual([1, 'fail']);
    expect(checks.sts.message).toContain('sts:GetCallerIdentity with the served credentials failed');
  });

  it('refuses a bad flag value with exit code 2', async () => {
    const run = await check(['--endpoint', 'ftp://x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--endpoint (IMDS_EMULATOR_ENDPOINT): must be an http(s) URL');
  });
});
