/**
 * SIGUSR1 must not open Node's inspector (127.0.0.1:9229, full control of the process) in any command. Each command
 * runs in a network namespace of its own, so port 9229 there is only the inspector's.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type StalledTool, stalledTool } from './init/harness';
import { createNetns, type TestNetns } from './support/netns';
import { filesModeArgs, waitUntil, writeServingPair } from './webhook/server/harness';

let dir: string;
let stalled: StalledTool;
const namespaces: TestNetns[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imds-inspector-'));
  writeFileSync(join(dir, 'token'), 'not.a.jwt');
  await writeServingPair(dir);
  // init stays up while its iptables-nft-save hangs (10 s, then it fails by design).
  stalled = stalledTool('iptables-nft-save');
});

afterAll(async () => {
  await Promise.all(namespaces.map((ns) => ns.destroy()));
  stalled?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `args` under Node in a fresh namespace once `started` says so, sends SIGUSR1, reports what listens. */
async function afterSigusr1(
  args: string[],
  started: (output: string) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ listening: string; alive: boolean }> {
  const ns = await createNetns({ prefix: 'imdsusr1' });
  namespaces.push(ns);
  const child: ChildProcess = ns.spawn(process.execPath, args, { env });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c;
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c;
  });
  await waitUntil(() => started(output), 15_000, `start of ${args.join(' ')}; output: ${output}`);
  child.kill('SIGUSR1');
  // Node opens the inspector within milliseconds of the signal; a second is a generous bound.
  await new Promise((r) => setTimeout(r, 1000));
  const ss = await ns.run('ss', ['-Hltn']);
  return { listening: ss.stdout, alive: child.exitCode === null && child.signalCode === null };
}

it('the check sees the inspector of a plain Node process (control)', async () => {
  const result = await afterSigusr1(['-e', 'console.log("up"); setInterval(() => {}, 1000)'], (o) =>
    o.includes('up'),
  );
  expect(result.listening).toMatch(/127\.0\.0\.1:9229/);
});

it.each([
  [
    'sidecar',
    () => [
      cli,
      'sidecar',
      '--role-arn',
      'arn:aws:iam::123456789012:role/app',
      '--token-file',
      join(dir, 'token'),
      '--sts-endpoint',
      'http://127.0.0.1:9',
    ],
    (o: string) => o.includes('"msg"'),
  ],
  ['webhook', () => [cli, 'webhook', ...filesModeArgs(dir)], (o: string) => o.includes('webhook listening')],
  ['init', () => [cli, 'init'], () => stalled.pid() !== undefined],
] as Array<[string, () => string[], (o: string) => boolean]>)(
  '%s: SIGUSR1 opens no inspector and the process lives on',
  async (command, args, started) => {
    const env = command === 'init' ? { ...process.env, PATH: stalled.path } : process.env;
    const result = await afterSigusr1(args(), started, env);
    expect(result.listening).not.toMatch(/:9229\b/);
    expect(result.alive).toBe(true);
  },
);
