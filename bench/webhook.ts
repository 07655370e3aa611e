/**
 * `npm run bench:webhook`: AdmissionReviews per second and latency of the compiled webhook over HTTPS with keep-alive,
 * side by side in one run with a bare Node `https` server that answers every request with the same, fixed
 * AdmissionReview (the ceiling: TLS + HTTP with no work). Both run as separate processes; autocannon drives them at
 * concurrency 1 and 16, alternating, after a warm-up. Writes the `webhook` section of BENCHMARKS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, issueServingCert } from '../emulator/src/webhook/certs/generate';
import { freePort } from '../test/support/ports';
import { podReview } from '../test/webhook/server/reviews';

// autocannon ships no types; only what is used here. (bench/lib, the shared runner, was not committed when this was written.)
interface Histogram {
  average: number;
  total: number;
  p50: number;
  p99: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<{
  requests: Histogram;
  latency: Histogram;
  errors: number;
  non2xx: number;
  timeouts: number;
}>;
const autocannon = require('autocannon') as Autocannon;

const ROOT = join(__dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
/** Rounds per row, alternating the two servers; the median is reported (the machine is shared, runs are noisy). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLOCK_TICKS = 100; // USER_HZ on Linux
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

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
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
  const child = spawn(process.execPath, args, {
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

function postOnce(port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mutate',
        method: 'POST',
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

async function load(port: number, connections: number, body: string, duration: number) {
  return autocannon({
    url: `https://127.0.0.1:${port}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    pipelining: 1,
    duration,
  });
}

function rssMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
  return Math.round((kib / 1024) * 10) / 10;
}

/** Replaces only the `<!-- bench:webhook -->` … `<!-- /bench:webhook -->` block of BENCHMARKS.md. */
function writeSection(markdown: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const open = '<!-- bench:webhook -->';
  const close = '<!-- /bench:webhook -->';
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(open);
  const end = current.indexOf(close);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + close.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhook-'));
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
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
    const webhookPort = await freePort();
    const webhookLog = join(dir, 'webhook.log');
    const webhook = await startProcess(
      [
        join(ROOT, 'emulator', 'bin', 'imds-emulator.js'),
        'webhook',
        '--image=ghcr.io/imds-emulator/imds-emulator:0.1.0',
        `--tls-cert=${cert}`,
        `--tls-key=${key}`,
        `--port=${webhookPort}`,
        `--health-port=${await freePort()}`,
        '--bind-address=127.0.0.1',
        '--sidecar-mode=native',
        '--namespace-policy=false',
      ],
      {},
      webhookLog,
      webhookPort,
      body,
    );
    children.push(webhook);
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
    ];
    for (const s of servers) await load(s.port, 16, body, 2); // warm-up: JIT, TLS sessions
    const runs: Run[] = [];
    for (const connections of CONCURRENCY) {
      const rounds = new Map<string, Run[]>(servers.map((s) => [s.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of servers) {
          const cpuBefore = cpuSeconds(s.pid);
          const r = await load(s.port, connections, body, DURATION_S);
          const cpu = cpuSeconds(s.pid) - cpuBefore;
          rounds.get(s.name)?.push({
            server: s.name,
            connections,
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            errors: r.errors + r.non2xx + r.timeouts,
            cpuUs: (cpu / Math.max(1, r.requests.total)) * 1e6,
          });
          process.stdout.write(
            `${s.name} c${connections}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms\n`,
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
    const rss = { now: rssMiB(webhook.pid, 'VmRSS'), peak: rssMiB(webhook.pid, 'VmHWM') };
    const bareRss = rssMiB(bare.pid, 'VmRSS');

    const rows = runs.map((r) => {
      const ceiling = runs.find(
        (b) => b.connections === r.connections && b.server === servers[0].name,
      ) as Run;
      const share = r === ceiling ? '100%' : `${Math.round((r.rps / ceiling.rps) * 100)}%`;
      return `| ${r.server} | ${r.connections} | ${Math.round(r.rps)} | ${share} | ${r.p50} | ${r.p99} | ${Math.round(r.cpuUs)} | ${r.errors} |`;
    });
    const webhook16 = runs.find((r) => r.connections === 16 && r.server === servers[1].name) as Run;
    const bare16 = runs.find((r) => r.connections === 16 && r.server === servers[0].name) as Run;
    const share16 = webhook16.rps / bare16.rps;
    const markdown = [
      '## Webhook: AdmissionReviews over HTTPS (`npm run bench:webhook`)',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version};`,
      `autocannon, keep-alive, median of ${ROUNDS} alternating rounds of ${DURATION_S} s per row after a 2 s warm-up. Every request is the same AdmissionReview of a`,
      'Deployment-made pod that opts in, so the webhook does a full mutation (decision, JSON Patch, base64, review log',
      'line); the bare server answers with that same response without doing any work. Both are separate processes on',
      'loopback, on a machine other jobs share (load average at the start: ' +
        `${loadAtStart}), so rates and latencies vary from run to run; the CPU time each server process spends per`,
      "review (from /proc, independent of that load) is the steadier measure of the webhook's own cost.",
      '',
      '| server | concurrency | reviews/s | of ceiling | p50 ms | p99 ms | server CPU µs/review | errors |',
      '| --- | --: | --: | --: | --: | --: | --: | --: |',
      ...rows,
      '',
      `Webhook RSS after the run: ${rss.now} MiB (peak ${rss.peak} MiB); bare server: ${bareRss} MiB.`,
      '',
      `Targets: ≥ 70% of the ceiling's throughput — ${Math.round(share16 * 100)}% at concurrency 16 ` +
        `(${share16 >= 0.7 ? 'met' : 'NOT met'}); p99 < 10 ms at concurrency 16 — ${webhook16.p99} ms ` +
        `(${webhook16.p99 < 10 ? 'met' : 'NOT met'}).`,
    ].join('\n');
    writeSection(markdown);
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
