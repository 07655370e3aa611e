/**
 * `npm run bench:webhook-memory`: the webhook's peak RSS while 60 TLS connections each send all but the last byte of
 * a 3 MiB `POST /mutate` (the largest body it accepts), then the last bytes all at once, so that every body it took
 * in is parsed and reviewed together. Side by side with a bare Node `https` server that drops bodies (the floor: Node,
 * TLS and 60 connections), on the image's Node. `BENCH_WEBHOOK_BEFORE=<dir>` adds a row for another build (a
 * directory holding `bin/imds-emulator.js`, e.g. an old commit's compiled `emulator/`). Writes the
 * `webhook-memory` section of BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BODY_BYTES } from '../emulator/src/webhook/server/mutate';
import { freePort } from '../test/support/ports';
import {
  filesModeArgs,
  type HeldAnswer,
  HeldRequest,
  writeServingPair,
} from '../test/webhook/server/harness';
import { podReview, reviewOfSize } from '../test/webhook/server/reviews';
import { imageNode, nodeVersion } from './lib/image-node';
import { rssMiB } from './lib/proc';
import { machineLine, writeBenchmarkSection } from './lib/report';

const NODE = imageNode();
const CONNECTIONS = 60;
/** The chart's memory limit for the webhook container. */
const LIMIT_MIB = 256;

const BARE_SERVER = `
const https = require('node:https');
const fs = require('node:fs');
https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (req, res) => {
  req.resume();
  req.on('end', () => res.end('{}'));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Samples a process's RSS every 20 ms; `peak()` is the largest sample and the kernel's high-water mark. */
function sampleRss(pid: number) {
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // exited
    }
  }, 20);
  return {
    peak: () => Math.max(peak, rssMiB(pid, 'VmHWM')),
    stop: () => clearInterval(timer),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitServing(child: ChildProcess, port: number, body: Buffer): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const request = new HeldRequest(port, body, 0);
    const answer = await Promise.race([request.answer, sleep(2000)]);
    request.destroy();
    if (answer) return;
    if (Date.now() > deadline) throw new Error(`server on port ${port} did not answer`);
    await sleep(200);
  }
}

interface Row {
  server: string;
  idle: number;
  held: number;
  peak: number;
  /** Status codes the 60 large requests got while their last byte was held, and after it was sent. */
  early: string;
  final: string;
  /** Status of a normal review sent while the large bodies were held. */
  normal: string;
}

function tally(answers: Array<HeldAnswer | undefined>): string {
  const counts = new Map<string, number>();
  for (const a of answers) {
    const key = a ? `${a.status}${a.retryAfter ? ` (Retry-After ${a.retryAfter})` : ''}` : 'none';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
}

async function attack(name: string, args: string[], env: Record<string, string>): Promise<Row> {
  const port = await freePort();
  // The bare server reads PORT, the webhook its flags' environment variables.
  const ports = {
    PORT: String(port),
    IMDS_EMULATOR_PORT: String(port),
    IMDS_EMULATOR_HEALTH_PORT: String(await freePort()),
  };
  const child = spawn(NODE, args, {
    env: { PATH: process.env.PATH, ...env, ...ports },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid as number;
  const normalBody = Buffer.from(JSON.stringify(podReview()));
  const large = reviewOfSize(MAX_BODY_BYTES);
  try {
    await waitServing(child, port, normalBody);
    await sleep(500);
    const idle = rssMiB(pid);
    const rss = sampleRss(pid);
    const requests = Array.from({ length: CONNECTIONS }, () => new HeldRequest(port, large, 1));
    // Long enough for 60 × 3 MiB to cross loopback TLS on a loaded machine and for early answers to arrive.
    await sleep(5000);
    const early = await Promise.all(
      requests.map((r) => Promise.race([r.answer, sleep(10).then(() => undefined)])),
    );
    const normal = new HeldRequest(port, normalBody, 0);
    const normalAnswer = await Promise.race([normal.answer, sleep(10_000).then(() => undefined)]);
    normal.destroy();
    const held = rss.peak();
    for (const r of requests) r.finish();
    const final = await Promise.all(
      requests.map((r) => Promise.race([r.answer, sleep(20_000).then(() => undefined)])),
    );
    await sleep(500);
    const peak = rss.peak();
    rss.stop();
    for (const r of requests) r.destroy();
    return {
      server: name,
      idle,
      held,
      peak,
      early: tally(early.filter(Boolean)) || 'none',
      final: tally(final),
      normal: normalAnswer ? String(normalAnswer.status) : 'no answer in 10 s',
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhook-memory-'));
  const machine = machineLine(nodeVersion(NODE));
  try {
    await writeServingPair(dir);
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    const webhookArgs = (emulatorDir: string) => [
      join(emulatorDir, 'bin', 'imds-emulator.js'),
      'webhook',
      '--bind-address=127.0.0.1',
      ...filesModeArgs(dir),
    ];
    const env = { CERT: cert, KEY: key };
    const THIS_BUILD = 'imds-emulator webhook (this build)';
    const servers: Array<[string, string[]]> = [
      ['bare node https (floor)', ['-e', BARE_SERVER]],
      [THIS_BUILD, webhookArgs(join(__dirname, '..', 'emulator'))],
    ];
    const before = process.env.BENCH_WEBHOOK_BEFORE;
    if (before)
      servers.push([
        `imds-emulator webhook (${process.env.BENCH_WEBHOOK_BEFORE_NAME ?? before})`,
        webhookArgs(before),
      ]);
    const rows: Row[] = [];
    for (const [name, args] of servers) {
      const row = await attack(name, args, env);
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
    const markdown = [
      '## Webhook: memory under 60 concurrent 3 MiB bodies (`npm run bench:webhook-memory`)',
      '',
      `Measured ${machine}.`,
      `${CONNECTIONS} TLS connections, each its own \`POST /mutate\` declaring a ${MAX_BODY_BYTES}-byte valid`,
      'AdmissionReview (an opted-in pod padded by an env value) and sending all of it but the last byte; 5 s later a',
      'normal review on a new connection; then the last byte on every connection, so every body the server took in',
      "is parsed and reviewed at once. RSS sampled every 20 ms from /proc and the kernel's high-water mark (VmHWM);",
      `the chart's memory limit is ${LIMIT_MIB} MiB. Each server is a fresh process. A row for another build (e.g. the`,
      'commit before the body budget, its `emulator/` compiled) comes from `BENCH_WEBHOOK_BEFORE=<dir>`.',
      '',
      '| server | idle RSS MiB | peak RSS, bodies held MiB | peak RSS, bodies complete MiB | answers while held | answers after the last byte | normal review during the attack |',
      '| --- | --: | --: | --: | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.server} | ${r.idle.toFixed(1)} | ${r.held.toFixed(1)} | ${r.peak.toFixed(1)} | ${r.early} | ${r.final} | ${r.normal} |`,
      ),
    ].join('\n');
    writeBenchmarkSection('webhook-memory', markdown);
    process.stdout.write(`${markdown}\n`);
    // The figures are recorded either way; the run fails when this build misses the goal.
    const ours = rows.find((r) => r.server === THIS_BUILD) as Row;
    const misses = [
      ...(ours.peak < LIMIT_MIB
        ? []
        : [`peak RSS ${ours.peak.toFixed(1)} MiB is not under ${LIMIT_MIB} MiB`]),
      ...(ours.normal === '200' ? [] : [`the normal review during the attack got ${ours.normal}`]),
    ];
    if (misses.length > 0) throw new Error(`webhook-memory: ${misses.join('; ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
