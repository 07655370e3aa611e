import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceAccountJwt } from '../support/jwt';
import { type RunningMoto, startMoto } from '../support/moto';
import { createNetns, type TestNetns } from '../support/netns';
import { cli, httpGet, initOk } from './harness';

const role = 'arn:aws:iam::123456789012:role/test';
const port = 16925;
const healthPort = 16926;

/** Sum of the sidecar's IMDS request counters whose labels include every one of `labels`. */
async function imdsRequests(ns: TestNetns, labels: readonly string[]): Promise<number> {
  const metrics = await httpGet(ns, `http://127.0.0.1:${healthPort}/metrics`);
  return metrics.body
    .split('\n')
    .filter((line) => line.startsWith('imds_emulator_imds_requests_total{'))
    .filter((line) => labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Connections the redirect rule of `tool` (iptables-nft-save or ip6tables-nft-save) has matched so far. */
async function redirected(ns: TestNetns, tool: string): Promise<number> {
  const save = await ns.run(tool, ['-c', '-t', 'nat']);
  const rule = save.stdout.split('\n').find((line) => line.includes('-A IMDS_EMULATOR '));
  const packets = /^\[(\d+):\d+\]/.exec(rule ?? '')?.[1];
  if (packets === undefined) throw new Error(`no counted redirect rule in:\n${save.stdout}${save.stderr}`);
  // nat rules see only the first packet of each connection.
  return Number(packets);
}

async function waitReady(ns: TestNetns, deadline = Date.now() + 20000): Promise<void> {
  for (;;) {
    const answer = await httpGet(ns, `http://127.0.0.1:${healthPort}/readyz`, 1000).catch(() => undefined);
    if (answer?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`sidecar not ready: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// The whole chain inside one pod-like network namespace: moto (STS), the sidecar, `init`, and clients that know
// nothing but the standard IMDS addresses.
describe('imds-emulator init + sidecar + STS, for real in a network namespace', () => {
  let ns: TestNetns;
  let moto: RunningMoto;
  let dir: string;
  let sidecarOutput = '';

  beforeAll(async () => {
    ns = await createNetns({ prefix: 'imdschain' });
    dir = mkdtempSync(join(tmpdir(), 'imds-init-chain-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, serviceAccountJwt(), { mode: 0o600 });
    moto = await startMoto({ netns: ns.name });
    const sidecar = ns.spawn(process.execPath, [
      cli,
      'sidecar',
      '--role-arn',
      role,
      '--token-file',
      tokenFile,
      '--sts-endpoint',
      moto.endpoint,
      '--region',
      'us-east-1',
      '--port',
      String(port),
      '--health-port',
      String(healthPort),
    ]);
    sidecar.stdout?.on('data', (chunk: Buffer) => {
      sidecarOutput += chunk.toString();
    });
    sidecar.stderr?.on('data', (chunk: Buffer) => {
      sidecarOutput += chunk.toString();
    });
    await initOk(ns, ['--port', String(port)]);
    await waitReady(ns);
  });
  afterAll(async () => {
    await moto?.stop();
    await ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['IPv4', 'http://169.254.169.254'],
    ['IPv6', 'http://[fd00:ec2::254]'],
  ])('serves the role credentials at the %s IMDS address', async (_family, base) => {
    const list = await httpGet(ns, `${base}/latest/meta-data/iam/security-credentials/`);
    expect(list).toEqual({ status: 200, body: 'test' });
    const answer = await httpGet(ns, `${base}/latest/meta-data/iam/security-credentials/test`);
    expect(answer.status).toBe(200);
    const document = JSON.parse(answer.body);
    expect(document).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC' });
    expect(document.AccessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
    expect(typeof document.SecretAccessKey).toBe('string');
    expect(Date.parse(document.Expiration)).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
  });

  it.each([
    ['IPv4', {}, 'iptables-nft-save', 'ip6tables-nft-save'],
    ['IPv6', { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }, 'ip6tables-nft-save', 'iptables-nft-save'],
  ])(
    'gives the aws CLI (botocore, IMDSv2) the assumed role over %s',
    async (_family, extraEnv, used, unused) => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_EC2_METADATA_SERVICE_NUM_ATTEMPTS: '1',
        ...extraEnv,
      };
      const tokenLabels = ['path="token"', 'status="200"', 'imds="v2"'];
      const tokensBefore = await imdsRequests(ns, tokenLabels);
      const [usedBefore, unusedBefore] = [await redirected(ns, used), await redirected(ns, unused)];
      const result = await ns.run(
        'aws',
        ['sts', 'get-caller-identity', '--endpoint-url', moto.endpoint, '--output', 'json'],
        { env },
      );
      if (result.code !== 0)
        throw new Error(`aws exited ${result.code}: ${result.stderr}\nsidecar: ${sidecarOutput}`);
      expect(JSON.parse(result.stdout).Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/test\//);
      // botocore took a session token first (PUT /latest/api/token) through the redirect.
      expect(await imdsRequests(ns, tokenLabels)).toBe(tokensBefore + 1);
      // ...over the address family asked for: its redirect counted the connections, the other one none.
      expect(await redirected(ns, used)).toBeGreaterThan(usedBefore);
      expect(await redirected(ns, unused)).toBe(unusedBefore);
    },
  );
});
