/**
 * `npm run bench:sts-faults [-- --before <bin> [label]]`: the sidecar process against a misbehaving STS on loopback (issue
 * 13): STS calls per second while STS answers expired credentials, peak RSS and CPU while it answers a 50 MB body,
 * and the time to credentials after an endpoint that accepted and never answered starts answering (moto). With
 * `--before`, the same runs with another build's CLI (e.g. the code before the fix), side by side. Writes the
 * `sts-faults` section of BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  answerCredentials,
  answerHuge,
  assumeRoleAnswer,
  startFakeSts,
  startSwitchableListener,
} from '../test/sidecar/fake-sts';
import { eventually, http, ROLE_ARN, tempDir } from '../test/sidecar/harness';
import { startMoto, stopProcess } from '../test/support/moto';
import { freePort } from '../test/support/ports';
import { cpuSeconds, rssMiB } from './lib/proc';
import { machineLine, writeBenchmarkSection } from './lib/report';

const AFTER_BIN = resolve(__dirname, '../emulator/bin/imds-emulator.js');
const EXPIRED_WINDOW_S = 10;
/** How long the endpoint stays a blackhole before it answers; then how long we wait for credentials at most. */
const BLACKHOLE_S = 25;
const RECOVERY_LIMIT_S = 90;
const HUGE_BYTES = 50 * 1024 * 1024;
const HUGE_LIMIT_S = 120;

interface Sidecar {
  readonly child: ChildProcess;
  readonly health: string;
  readonly imds: string;
}

const dir = tempDir();
dir.writeToken();

async function spawnSidecar(bin: string, stsEndpoint: string): Promise<Sidecar> {
  const [port, healthPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [bin, 'sidecar', '--role-arn', ROLE_ARN, '--pod-namespace', 'ns', '--pod-name', 'app-1']
      .concat(['--token-file', dir.tokenFile, '--sts-endpoint', stsEndpoint])
      .concat(['--port', String(port), '--health-port', String(healthPort), '--log-level', 'silent']),
    { stdio: 'ignore' },
  );
  const health = `http://127.0.0.1:${healthPort}`;
  await eventually(async () => (await http(`${health}/healthz`).catch(() => undefined))?.status === 200);
  return { child, health, imds: `http://127.0.0.1:${port}` };
}

/** STS answering credentials that expired in 2020: STS calls per second and the sidecar's CPU share. */
async function expiredAnswers(bin: string) {
  const sts = await startFakeSts((res, call) =>
    answerCredentials(res, `ASIA${call}`, '2020-01-01T00:00:00Z'),
  );
  const sc = await spawnSidecar(bin, sts.endpoint);
  const [calls, cpu] = [sts.calls(), cpuSeconds(sc.child.pid as number)];
  await sleep(EXPIRED_WINDOW_S * 1000);
  const result = {
    callsPerSecond: (sts.calls() - calls) / EXPIRED_WINDOW_S,
    cpuShare: (cpuSeconds(sc.child.pid as number) - cpu) / EXPIRED_WINDOW_S,
  };
  await stopProcess(sc.child);
  await sts.stop();
  return result;
}

/** STS answering a 50 MB AssumeRoleWithWebIdentity body: peak RSS, CPU until the call ended, slowest IMDS answer. */
async function hugeBody(bin: string) {
  // A valid answer whose padding element makes it HUGE_BYTES long.
  const [head, tail] = assumeRoleAnswer('ASIA1', '2099-01-01T00:00:00Z').split('</Credentials>');
  const huge = (res: ServerResponse) =>
    void answerHuge(res, HUGE_BYTES, true, `${head}</Credentials><Padding>`, `</Padding>${tail}`);
  const sts = await startFakeSts(huge);
  const sc = await spawnSidecar(bin, sts.endpoint);
  const pid = sc.child.pid as number;
  const started = Date.now();
  let slowestImdsMs = 0;
  const ended = async () => {
    const metrics = (await http(`${sc.health}/metrics`)).body;
    return (
      /^imds_emulator_sts_errors_total\{/m.test(metrics) || (await http(`${sc.health}/readyz`)).status === 200
    );
  };
  while (Date.now() - started < HUGE_LIMIT_S * 1000) {
    const t = Date.now();
    await http(`${sc.imds}/latest/meta-data/`);
    slowestImdsMs = Math.max(slowestImdsMs, Date.now() - t);
    if (await ended()) break;
    await sleep(100);
  }
  const result = {
    seconds: (Date.now() - started) / 1000,
    peakRssMiB: rssMiB(pid, 'VmHWM'),
    cpuSeconds: cpuSeconds(pid),
    slowestImdsMs,
  };
  await stopProcess(sc.child);
  await sts.stop();
  return result;
}

/** An endpoint that accepts and never answers for BLACKHOLE_S, then relays to moto: seconds until /readyz is 200. */
async function blackholeRecovery(bin: string) {
  const moto = await startMoto();
  const listener = await startSwitchableListener('blackhole');
  const sc = await spawnSidecar(bin, listener.endpoint);
  await sleep(BLACKHOLE_S * 1000);
  listener.mode = moto.port;
  const switched = Date.now();
  let recoveredS: number | undefined;
  try {
    await eventually(async () => (await http(`${sc.health}/readyz`)).status === 200, RECOVERY_LIMIT_S * 1000);
    recoveredS = (Date.now() - switched) / 1000;
  } catch {
    recoveredS = undefined;
  }
  await stopProcess(sc.child);
  await listener.stop();
  await moto.stop();
  return { recoveredS, accepted: listener.accepted() };
}

async function measure(bin: string) {
  return {
    expired: await expiredAnswers(bin),
    huge: await hugeBody(bin),
    blackhole: await blackholeRecovery(bin),
  };
}

type Figures = Awaited<ReturnType<typeof measure>>;

function table(runs: [string, Figures][]): string {
  const row = (label: string, cell: (f: Figures) => string) =>
    `| ${label} | ${runs.map(([, f]) => cell(f)).join(' | ')} |`;
  return [
    `| | ${runs.map(([name]) => name).join(' | ')} |`,
    `| --- | ${runs.map(() => '--:').join(' | ')} |`,
    row('expired answers: STS calls/s', (f) => f.expired.callsPerSecond.toFixed(1)),
    row('expired answers: sidecar CPU (share of a core)', (f) => `${Math.round(f.expired.cpuShare * 100)}%`),
    row('50 MB body: peak RSS (VmHWM)', (f) => `${f.huge.peakRssMiB.toFixed(0)} MiB`),
    row('50 MB body: CPU until the call ended', (f) => `${f.huge.cpuSeconds.toFixed(1)} s`),
    row('50 MB body: slowest IMDS answer meanwhile', (f) => `${f.huge.slowestImdsMs} ms`),
    row('50 MB body: seconds until the call ended', (f) => f.huge.seconds.toFixed(1)),
    row(`blackhole ${BLACKHOLE_S} s, then moto: seconds to credentials`, (f) =>
      f.blackhole.recoveredS === undefined
        ? `none in ${RECOVERY_LIMIT_S}`
        : f.blackhole.recoveredS.toFixed(1),
    ),
    row('blackhole: connections the endpoint accepted', (f) => String(f.blackhole.accepted)),
  ].join('\n');
}

async function main() {
  const at = process.argv.indexOf('--before');
  const runs: [string, Figures][] = [];
  if (at > 0) runs.push([process.argv[at + 2] ?? 'before', await measure(process.argv[at + 1])]);
  runs.push(['this build', await measure(AFTER_BIN)]);
  const markdown = [
    '## STS faults (issue 13)',
    '',
    `\`npm run bench:sts-faults\`, ${machineLine(process.version)}. The sidecar process (default settings) against`,
    'a fake STS on loopback answering credentials that expired in 2020, a 50 MB body with a Content-Length, and an',
    `endpoint that accepts and never answers for ${BLACKHOLE_S} s and then relays to moto.`,
    '',
    table(runs),
  ].join('\n');
  console.log(markdown);
  writeBenchmarkSection('sts-faults', markdown);
  dir.remove();
}

void main();
