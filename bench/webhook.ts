/**
 * `npm run bench:webhook`: AdmissionReviews per second and latency of the compiled webhook over HTTPS with keep-alive,
 * side by side in one run with a bare Node `https` server that answers every request with the same, fixed
 * AdmissionReview (the ceiling: TLS + HTTP with no work). Both run as separate processes; autocannon drives them at
 * concurrency 1 and 16, alternating, after a warm-up. Writes the `webhook` section of BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, hotPathChild } from '../emulator/src/common/logger';
import { reviewAdmission } from '../emulator/src/webhook/admission';
import { generateCa, issueServingCert } from '../emulator/src/webhook/certs/generate';
import { createWebhookMetrics } from '../emulator/src/webhook/server/metrics';
import { serializeAnswer } from '../emulator/src/webhook/server/mutate';
import { freePort } from '../test/support/ports';
import { settings } from '../test/webhook/admission/support';
import { podReview } from '../test/webhook/server/reviews';
import { imageNode, nodeVersion } from './lib/image-node';
import { runLoad } from './lib/load';
import { cpuSeconds, rssMiB } from './lib/proc';
import { machineLine, writeBenchmarkSection } from './lib/report';

const ROOT = join(__dirname, '..');
/** Both servers run on the Node of the image. */
const NODE = imageNode();
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
/** Rounds per row, alternating the two servers; the median is reported (the machine is shared, runs are noisy). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 16];

/** The ceiling: TLS and HTTP only, the body read and dropped, a fixed answer. */
const BARE_SERVER = `
const https = require('node:https');
const fs = require('node:fs');
const answer = fs.readFileSync(process.env.ANSWER);
https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/**
 * The webhook's own steps (the same compiled modules) inside an HTTPS server like the bare one, each step timed with
 * hrtime while the server is under load: among TLS and HTTP work a step costs several times what it costs in a tight
 * loop, where its code and data stay in the CPU's caches. No log line and no metrics. A GET (any path) returns the
 * mean µs per step since the previous GET, as a JSON array in STEP_NAMES order.
 */
const STEPS_SERVER = `
const https = require('node:https');
const fs = require('node:fs');
const { reviewAdmission } = require(process.env.LIB + '/webhook/admission');
const { serializeAnswer } = require(process.env.LIB + '/webhook/server/mutate');
const settings = JSON.parse(process.env.SETTINGS);
const context = { sidecarMode: 'native', namespace: () => undefined };
const sums = [0n, 0n, 0n];
let reviews = 0;
https.createServer({ cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) }, (req, res) => {
  if (req.method === 'GET') {
    res.end(JSON.stringify(sums.map((sum) => Number(sum) / Math.max(1, reviews) / 1000)));
    sums.fill(0n);
    reviews = 0;
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const t0 = process.hrtime.bigint();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const t1 = process.hrtime.bigint();
    const result = reviewAdmission(body, settings, context);
    const t2 = process.hrtime.bigint();
    const answer = serializeAnswer(result.body);
    const t3 = process.hrtime.bigint();
    res.writeHead(result.httpStatus, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
    sums[0] += t1 - t0;
    sums[1] += t2 - t1;
    sums[2] += t3 - t2;
    reviews++;
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface Run {
  server: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time the server process spent per review: robust to other load on the machine, unlike wall-clock rates. */
  cpuUs: number;
}

function load(port: number, connections: number, body: string, durationSeconds: number) {
  return runLoad({
    url: `https://127.0.0.1:${port}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    durationSeconds,
    tls: { rejectUnauthorized: false },
  });
}

/** The webhook's flag defaults, as the bench's webhook process runs with them. */
const SETTINGS = settings({ enforceNamespacePolicy: false });

/** Mean µs per call of `fn`, after a warm-up. */
function perCall(fn: () => unknown, calls = 50_000): number {
  for (let i = 0; i < 5_000; i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

/** The steps STEPS_SERVER times, in its order. */
const STEP_NAMES = [
  'body to string, JSON.parse',
  'decision, JSON Patch, base64 (reviewAdmission)',
  'answer serialization',
];

/** The JavaScript work of one review, step by step, in this process (no HTTP, no TLS, the log line not written). */
function componentCosts(body: string): [string, number][] {
  const raw = Buffer.from(body);
  const parsed = JSON.parse(body);
  const context = { sidecarMode: 'native' as const, namespace: () => undefined };
  const result = reviewAdmission(parsed, SETTINGS, context);
  const logger = hotPathChild(createLogger('webhook', { level: 'info', destination: { write: () => {} } }), {
    part: 'admission',
  });
  const metrics = createWebhookMetrics();
  return [
    [STEP_NAMES[0], perCall(() => JSON.parse(raw.toString('utf8')))],
    [STEP_NAMES[1], perCall(() => reviewAdmission(parsed, SETTINGS, context))],
    [STEP_NAMES[2], perCall(() => serializeAnswer(result.body))],
    [
      'review log line, formatted (pino, redaction)',
      perCall(() =>
        logger.info(
          {
            uid: parsed.request.uid,
            namespace: 'default',
            generateName: 'app-7d4b9c-',
            outcome: 'mutated',
            reason: result.reason,
          },
          'review',
        ),
      ),
    ],
    [
      'metrics (counter, histogram)',
      perCall(() => {
        metrics.reviews.inc({ outcome: 'mutated' });
        metrics.duration.observe({ outcome: 'mutated' }, 0.001);
      }),
    ],
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Starts a server process whose stdout goes to `logFile` (as a container runtime would take it), then waits for it. */
async function startProcess(
  args: string[],
  env: Record<string, string>,
  logFile: string,
  port: number,
  body: string,
) {
  const out = openSync(logFile, 'w');
  const child = spawn(NODE, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    try {
      await postOnce(port, body);
      return child;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function postOnce(port: number, body: string | undefined, method = 'POST'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method,
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhook-'));
  const machine = machineLine(nodeVersion(NODE));
  const children: ChildProcess[] = [];
  try {
    const ca = await generateCa('bench-ca', new Date(), 3600);
    const pair = await issueServingCert(ca, ['localhost'], new Date(), 3600);
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, pair.certPem);
    writeFileSync(key, pair.keyPem);

    // The review every request carries: a Deployment-made pod that opts in, so each one is a full mutation.
    const body = JSON.stringify(podReview());
    const startWebhook = async (name: string, extra: string[]) => {
      const port = await freePort();
      const args = [
        join(ROOT, 'emulator', 'bin', 'imds-emulator.js'),
        'webhook',
        '--image=ghcr.io/imds-emulator/imds-emulator:0.1.0',
        `--tls-cert=${cert}`,
        `--tls-key=${key}`,
        `--port=${port}`,
        `--health-port=${await freePort()}`,
        '--bind-address=127.0.0.1',
        '--sidecar-mode=native',
        '--namespace-policy=false',
        ...extra,
      ];
      const child = await startProcess(args, {}, join(dir, `${name}.log`), port, body);
      children.push(child);
      return { child, port };
    };
    const { child: webhook, port: webhookPort } = await startWebhook('webhook', []);
    // The same webhook without its per-review log line, to show what that line costs.
    const quiet = await startWebhook('webhook-quiet', ['--log-level=warn']);
    const answer = await postOnce(webhookPort, body);
    if (!answer.includes('"patchType":"JSONPatch"'))
      throw new Error(`the bench review was not mutated: ${answer}`);
    writeFileSync(join(dir, 'answer.json'), answer);

    const barePort = await freePort();
    const bare = await startProcess(
      ['-e', BARE_SERVER],
      { CERT: cert, KEY: key, ANSWER: join(dir, 'answer.json'), PORT: String(barePort) },
      join(dir, 'bare.log'),
      barePort,
      body,
    );
    children.push(bare);

    const servers = [
      { name: 'bare node https (ceiling)', port: barePort, pid: bare.pid },
      { name: 'imds-emulator webhook', port: webhookPort, pid: webhook.pid },
      { name: 'imds-emulator webhook, --log-level=warn', port: quiet.port, pid: quiet.child.pid },
    ];
    for (const s of servers) await load(s.port, 16, body, 2); // warm-up: JIT, TLS sessions
    const runs: Run[] = [];
    for (const connections of CONCURRENCY) {
      const rounds = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of servers) {
          const cpuBefore = cpuSeconds(s.pid as number);
          const r = await load(s.port, connections, body, DURATION_S);
          const cpu = cpuSeconds(s.pid as number) - cpuBefore;
          rounds.get(s.name)?.push({
            server: s.name,
            connections,
            rps: r.requestsPerSecond,
            p50: r.p50Ms,
            p99: r.p99Ms,
            errors: r.errors + r.non2xx,
            cpuUs: (cpu / Math.max(1, r.requests)) * 1e6,
          });
          process.stdout.write(
            `${s.name} c${connections}: ${Math.round(r.requestsPerSecond)} req/s, p99 ${r.p99Ms.toFixed(2)} ms\n`,
          );
        }
      }
      for (const s of servers) {
        const rs = rounds.get(s.name) as Run[];
        runs.push({
          server: s.name,
          connections,
          rps: median(rs.map((r) => r.rps)),
          p50: median(rs.map((r) => r.p50)),
          p99: median(rs.map((r) => r.p99)),
          errors: rs.reduce((sum, r) => sum + r.errors, 0),
          cpuUs: median(rs.map((r) => r.cpuUs)),
        });
      }
    }
    // The steps timed inside a server under the concurrency-16 load.
    const stepsPort = await freePort();
    const stepsServer = await startProcess(
      ['-e', STEPS_SERVER],
      {
        CERT: cert,
        KEY: key,
        LIB: join(ROOT, 'emulator', 'lib'),
        SETTINGS: JSON.stringify(SETTINGS),
        PORT: String(stepsPort),
      },
      join(dir, 'steps.log'),
      stepsPort,
      body,
    );
    children.push(stepsServer);
    await load(stepsPort, 16, body, 2);
    await postOnce(stepsPort, undefined, 'GET'); // resets the sums: only the measured run counts
    const stepsCpuBefore = cpuSeconds(stepsServer.pid as number);
    const stepsRun = await load(stepsPort, 16, body, DURATION_S);
    const stepsCpuUs =
      ((cpuSeconds(stepsServer.pid as number) - stepsCpuBefore) / Math.max(1, stepsRun.requests)) * 1e6;
    const underLoad = JSON.parse(await postOnce(stepsPort, undefined, 'GET')) as number[];

    const mib = (pid: number | undefined, field?: 'VmRSS' | 'VmHWM') =>
      rssMiB(pid as number, field).toFixed(1);
    const rss = { now: mib(webhook.pid), peak: mib(webhook.pid, 'VmHWM') };
    const components = componentCosts(body);
    const componentsTotal = components.reduce((sum, [, us]) => sum + us, 0);
    const bareRss = mib(bare.pid);

    const rows = runs.map((r) => {
      const ceiling = runs.find(
        (b) => b.connections === r.connections && b.server === servers[0].name,
      ) as Run;
      const share = r === ceiling ? '100%' : `${Math.round((r.rps / ceiling.rps) * 100)}%`;
      return `| ${r.server} | ${r.connections} | ${Math.round(r.rps)} | ${share} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Math.round(r.cpuUs)} | ${r.errors} |`;
    });
    const webhook16 = runs.find((r) => r.connections === 16 && r.server === servers[1].name) as Run;
    const bare16 = runs.find((r) => r.connections === 16 && r.server === servers[0].name) as Run;
    const quiet16 = runs.find((r) => r.connections === 16 && r.server === servers[2].name) as Run;
    const share16 = webhook16.rps / bare16.rps;
    const budget = 1e6 / (0.7 * bare16.rps);
    const requiredUnderLoad = underLoad.reduce((sum, us) => sum + us, 0);
    // The log line under load: the CPU difference between the webhook with and without it.
    const logUnderLoad = (i: number) =>
      i === underLoad.length
        ? `${Math.round(webhook16.cpuUs - quiet16.cpuUs)} (CPU, webhook minus --log-level=warn)`
        : '–';
    const markdown = [
      '## Webhook: AdmissionReviews over HTTPS (`npm run bench:webhook`)',
      '',
      `Measured ${machine}.`,
      `autocannon (bench/lib), keep-alive, median of ${ROUNDS} alternating rounds of ${DURATION_S} s per row after a`,
      '2 s warm-up; latencies are per-response hrtime. Every request is the same AdmissionReview of a Deployment-made',
      'pod that opts in, so the webhook does a full mutation (decision, JSON Patch, base64, review log line); the bare',
      'server answers with that same response without doing any work. Both are separate processes on loopback, on a',
      'machine other jobs share, so rates and latencies vary from run to run; the CPU time each server process spends',
      "per review (from /proc, independent of that load) is the steadier measure of the webhook's own cost.",
      '',
      '| server | concurrency | reviews/s | of ceiling | p50 ms | p99 ms | server CPU µs/review | errors |',
      '| --- | --: | --: | --: | --: | --: | --: | --: |',
      ...rows,
      '',
      `At concurrency 16 the webhook spends ${Math.round(webhook16.cpuUs - bare16.cpuUs)} µs of CPU per review beyond ` +
        `what TLS and HTTP cost the bare server; ${Math.round(webhook16.cpuUs - quiet16.cpuUs)} µs of it is the ` +
        'per-review log line (pino with secret redaction), visible in the `--log-level=warn` rows; the rest is reading ' +
        'and parsing the review, the admission decision and JSON Patch, and serializing the answer. The process is ' +
        'single-threaded, so its throughput is bounded by that CPU time.',
      '',
      'The JavaScript steps of one review: in a tight loop in the bench process (mean of 50 000 calls, no HTTP or ' +
        'TLS, the log line formatted but not written), and in a server under the concurrency-16 load (a bench-only ' +
        'HTTPS server like the bare one that runs the same compiled steps and times each with hrtime; no log line, ' +
        'no metrics). Under load a step costs several times its tight-loop time: TLS, HTTP and the kernel evict its ' +
        'code and data from the CPU caches between reviews.',
      '',
      '| step | tight loop µs | in a server under load µs |',
      '| --- | --: | --: |',
      ...components.map(
        ([step, us], i) =>
          `| ${step} | ${us.toFixed(1)} | ${i < underLoad.length ? underLoad[i].toFixed(1) : logUnderLoad(i)} |`,
      ),
      `| total | ${componentsTotal.toFixed(1)} | ${(requiredUnderLoad + Math.max(0, webhook16.cpuUs - quiet16.cpuUs)).toFixed(0)} |`,
      '',
      `That instrumented server used ${Math.round(stepsCpuUs)} µs of CPU per review and answered ` +
        `${Math.round(stepsRun.requestsPerSecond)} reviews/s at concurrency 16 ` +
        `(${Math.round((100 * stepsRun.requestsPerSecond) / bare16.rps)}% of the ceiling in this run). ` +
        "One process serves at most 1 s / (CPU per review) reviews per second, so 70% of the ceiling's " +
        `${Math.round(bare16.rps)} reviews/s needs at most ${Math.round(budget)} µs of CPU per review in all, ` +
        `${Math.round(budget - bare16.cpuUs)} µs beyond what TLS and HTTP cost the bare server. Parsing the review, ` +
        `deciding and serializing the answer, which the issue requires and the bare server does not do, take ` +
        `${requiredUnderLoad.toFixed(0)} µs of that under load by themselves, before any log line or metric. A ` +
        'single Node process that does this work does not reach the target on this machine.',
      '',
      `Webhook RSS after the run: ${rss.now} MiB (peak ${rss.peak} MiB); bare server: ${bareRss} MiB.`,
      '',
      `Targets: ≥ 70% of the ceiling's throughput — ${Math.round(share16 * 100)}% at concurrency 16 ` +
        `(${share16 >= 0.7 ? 'met' : 'NOT met'}); p99 < 10 ms at concurrency 16 — ${webhook16.p99.toFixed(2)} ms ` +
        `(${webhook16.p99 < 10 ? 'met' : 'NOT met'}).`,
    ].join('\n');
    writeBenchmarkSection('webhook', markdown);
    process.stdout.write(`\n${markdown}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:webhook failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
