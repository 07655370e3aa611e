/**
 * A pod without IPv6 (no ::1): the sidecar logs it and serves IMDS on 127.0.0.1 alone, never on the pod's address.
 * Needs root (network namespace).
 */
import { resolve } from 'node:path';
import { createNetns, type TestNetns } from '../support/netns';
import { ROLE_ARN, type TempDir, tempDir } from './harness';

const BIN = resolve(__dirname, '../../emulator/bin/imds-emulator.js');

describe('sidecar in a network namespace without IPv6', () => {
  let netns: TestNetns;
  let dir: TempDir;
  beforeAll(async () => {
    netns = await createNetns({ ipv6: false });
    dir = tempDir();
    dir.writeToken();
  });
  afterAll(async () => {
    await netns?.destroy();
    dir?.remove();
  });

  it('warns that [::1] is unavailable, answers on 127.0.0.1 and not on the pod IP', async () => {
    const child = netns.spawn(process.execPath, [
      BIN,
      'sidecar',
      '--role-arn',
      ROLE_ARN,
      '--token-file',
      dir.tokenFile,
      '--sts-endpoint',
      'http://127.0.0.1:9',
    ]);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const deadline = Date.now() + 15000;
    while (!stdout.includes('sidecar started') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const warning = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: string; msg: string })
      .find((line) => line.msg.includes('[::1]'));
    expect(warning?.level).toBe('warn');
    const probe = (url: string) =>
      netns.run(process.execPath, [
        '-e',
        `require('node:http').get(${JSON.stringify(url)}, (res) => {
           let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => console.log(res.statusCode, body.trim()));
         }).on('error', (e) => { console.log(e.code); });`,
      ]);
    const listing = '/latest/meta-data/iam/security-credentials/';
    expect((await probe(`http://127.0.0.1:16925${listing}`)).stdout.trim()).toBe('200 app-role');
    // Loopback only: the pod's own address does not reach IMDS, but does reach the health port (kubelet probes).
    expect((await probe(`http://${netns.podIPv4}:16925${listing}`)).stdout.trim()).toBe('ECONNREFUSED');
    expect((await probe(`http://${netns.podIPv4}:16926/healthz`)).stdout.trim()).toBe('200 ok');
  });
});
