/**
 * `npm run bench:webhook`: what the API server does to the webhook. The webhook runs as the image ships it (bundled
 * CLI, the image's Node) with its defaults (namespace policy on, sidecar mode auto) against the project's stand-in API
 * server filled with Namespace objects. Writes the `webhook` section of BENCHMARKS.md:
 * - admission latency (p50/p99 from each request's due time) at fixed rates of 50, 200 and 1,000 reviews/s over HTTPS
 *   keep-alive, side by side in one run with a bare Node https server on the same binary that answers every review
 *   with the webhook's own answer and does no work (the floor of TLS + HTTP);
 * - the webhook's resident memory with 1,000 and 10,000 namespaces in its namespace watch cache.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { type Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateCa, issueServingCert } from '../emulator/src/webhook/certs/generate';
import { freePort } from '../test/support/ports';
import { FakeApiServer } from '../test/webhook/kube/fake-apiserver';
import { patchOf } from '../test/webhook/server/reviews';
import { deploymentPodReview, namespaceObject } from './lib/cluster-objects';
import { imageCommand, imageNode, nodeVersion } from './lib/image-node';
import { keepAliveAgent, latencySummary, openLoop } from './lib/open-loop';
import { cpuSeconds, rssMiB, rssSplitMiB } from './lib/proc';
import { machineLine, writeBenchmarkSection } from './lib/report';

const ROOT = join(__dirname, '..');
/** Both servers run on the Node of the image. */
const NODE = imageNode();
const RATES = [50, 200, 1000];
/** Seconds per run; each (server, rate) pair runs ROUNDS times, alternating, and the latencies are pooled. */
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** The latency runs use the webhook with the first count. */
const NAMESPACE_COUNTS = [1_000, 10_000];
/** The webhook with no Kubernetes API client loaded, to show what the client and the namespace cache cost. */
const WITHOUT_API_ARGS = ['--namespace-policy=false', '--sidecar-mode=native'];
const WITHOUT_API_LABEL = 'none (`--namespace-policy=false --sidecar-mode=native`: no API client)';
/** Idle time before a memory reading, so that the reading is the steady state rather than a transient. */
const SETTLE_MS = Number(process.env.BENCH_SETTLE ?? 10) * 1000;
/**
 * The CLI as the image ships it: one bundled file, with the webhook-only dependencies left in node_modules. Written
 * under the repository (.cache/, ignored) so that those resolve from its node_modules as they do in the image.
 */
function imageApp(): string {
  const dir = join(ROOT, '.cache', 'bench-webhook-app');
  execFileSync(process.execPath, [join(ROOT, 'emulator', 'image', 'app-bundle.js'), dir], {
    stdio: 'inherit',
  });
  return join(dir, 'bin', 'imds-emulator.js');
}

/** Distinct reviews sent in turn: pods of Deployments in different namespaces. */
const REVIEWS = 200;

/** The floor: TLS and HTTP only, the body read and dropped, a fixed answer (the webhook's answer to a review). */
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

interface Server {
  readonly name: string;
  readonly port: number;
  readonly pid: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** HTTP status of GET http://127.0.0.1:<port><path>, or 0 when nothing answers. */
function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Starts `args` on the image's Node with stdout in `logFile` (as a container runtime would take it). */
function spawnServer(args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const out = openSync(logFile, 'w');
  // NODE_ENV as the image's config sets it.
  const child = spawn(NODE, args, {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  return child;
}

async function waitFor(what: string, child: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A quantity such as 64Mi or 1Gi, in MiB (the chart uses binary suffixes). */
function mebibytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * { Ki: 1 / 1024, Mi: 1, Gi: 1024 }[match[2] as 'Ki' | 'Mi' | 'Gi'];
}

interface MemoryReading {
  label: string;
  readyMs: number;
  idle: { rss: number; anonymous: number };
  afterLoad: { rss: number; anonymous: number };
  peak: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-webhook-'));
  const machine = machineLine(nodeVersion(NODE));
  const app = imageApp();
  const children: ChildProcess[] = [];
  const fakes: FakeApiServer[] = [];
  const agents: Agent[] = [];
  try {
    const ca = await generateCa('bench-ca', new Date(), 3600);
    const pair = await issueServingCert(ca, ['localhost'], new Date(), 3600);
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, pair.certPem);
    writeFileSync(key, pair.keyPem);

    /** A fresh stand-in API server with `count` namespaces and a webhook synced from it. */
    const startWebhook = async (count: number, extraArgs: readonly string[] = []) => {
      const fake = new FakeApiServer();
      for (let i = 0; i < count; i++) {
        const ns = namespaceObject(i, 1000 + i);
        fake.namespaces.set(ns.metadata.name, ns as never);
      }
      await fake.start();
      fakes.push(fake);
      const port = await freePort();
      const healthPort = await freePort();
      const started = Date.now();
      // As the image starts it: the ENTRYPOINT's Node flags, then the CLI (spawnServer supplies the Node).
      const child = spawnServer(
        [
          ...imageCommand(NODE, app).slice(1),
          'webhook',
          '--image=ghcr.io/imds-emulator/imds-emulator:0.1.0',
          `--tls-cert=${cert}`,
          `--tls-key=${key}`,
          `--port=${port}`,
          `--health-port=${healthPort}`,
          '--bind-address=127.0.0.1',
          '--namespace=imds-emulator',
          ...extraArgs,
        ],
        { KUBECONFIG: fake.writeKubeconfig(dir) },
        join(dir, `webhook-${count}.log`),
      );
      children.push(child);
      await waitFor(
        `webhook with ${count} namespaces`,
        child,
        async () => (await status(healthPort, '/readyz')) === 200,
        120_000,
      );
      const readyMs = Date.now() - started;
      return { fake, child, port, pid: child.pid as number, readyMs };
    };
    const memory = (pid: number) => {
      const split = rssSplitMiB(pid);
      return { rss: split.anonymous + split.file, anonymous: split.anonymous };
    };

    const bodies = Array.from({ length: REVIEWS }, (_, i) =>
      Buffer.from(JSON.stringify(deploymentPodReview((i * 37) % NAMESPACE_COUNTS[0], i))),
    );
    const agent = keepAliveAgent({ rejectUnauthorized: false });
    agents.push(agent);
    const load = (server: Server, rate: number, seconds: number) =>
      openLoop({
        host: '127.0.0.1',
        port: server.port,
        path: '/mutate',
        bodies,
        ratePerSecond: rate,
        durationSeconds: seconds,
        agent,
      });

    const readings: MemoryReading[] = [];
    // The webhook the latency runs use, with the first namespace count.
    const first = await startWebhook(NAMESPACE_COUNTS[0]);
    await sleep(SETTLE_MS);
    const firstIdle = memory(first.pid);
    const webhook: Server = { name: 'imds-emulator webhook', port: first.port, pid: first.pid };

    // Every review is a full mutation, allowed by its namespace's policy: check one before measuring.
    const answerOf = (body: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: webhook.port, path: '/mutate', method: 'POST', agent },
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
    const answer = await answerOf(bodies[0]);
    const parsed = JSON.parse(answer);
    if (parsed.response?.allowed !== true || patchOf(parsed).length === 0)
      throw new Error(`the bench review was not mutated: ${answer}`);
    const patchOps = patchOf(parsed).length;
    writeFileSync(join(dir, 'answer.json'), answer);

    const barePort = await freePort();
    const bareChild = spawnServer(
      ['-e', BARE_SERVER],
      { CERT: cert, KEY: key, ANSWER: join(dir, 'answer.json'), PORT: String(barePort) },
      join(dir, 'bare.log'),
    );
    children.push(bareChild);
    const bare: Server = { name: 'bare node https (floor)', port: barePort, pid: bareChild.pid as number };
    await waitFor('bare server', bareChild, async () => (await load(bare, 10, 0.5)).errors === 0, 15_000);

    const servers = [webhook, bare];
    for (const s of servers) await load(s, 200, 3); // warm-up: connections, JIT
    const pooled = new Map<
      string,
      { latencies: number[]; errors: number; sent: number; cpu: number; sendLag: number }
    >();
    for (let round = 0; round < ROUNDS; round++) {
      for (const rate of RATES) {
        // Alternate which server goes first, so neither always follows the other's load.
        for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
          const cpuBefore = cpuSeconds(s.pid);
          const r = await load(s, rate, DURATION_S);
          const cpu = cpuSeconds(s.pid) - cpuBefore;
          const entry = pooled.get(`${s.name} ${rate}`) ?? {
            latencies: [],
            errors: 0,
            sent: 0,
            cpu: 0,
            sendLag: 0,
          };
          entry.latencies.push(...r.latenciesMs);
          entry.errors += r.errors + r.non2xx;
          entry.sent += r.sent;
          entry.cpu += cpu;
          entry.sendLag = Math.max(entry.sendLag, r.maxSendLagMs);
          pooled.set(`${s.name} ${rate}`, entry);
          const { p50, p99 } = latencySummary(r.latenciesMs);
          process.stdout.write(
            `${s.name} ${rate}/s: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, errors ${r.errors + r.non2xx}\n`,
          );
        }
      }
    }
    await sleep(SETTLE_MS);
    readings.push({
      label: NAMESPACE_COUNTS[0].toLocaleString('en'),
      readyMs: first.readyMs,
      idle: firstIdle,
      afterLoad: memory(first.pid),
      peak: rssMiB(first.pid, 'VmHWM'),
    });
    const bareRss = memory(bare.pid);
    first.child.kill('SIGTERM');
    bareChild.kill('SIGTERM');

    // The larger caches, and for comparison the webhook without any API client: a fresh webhook each, the same
    // load at 200 reviews/s, then the same readings.
    const others = [
      ...NAMESPACE_COUNTS.slice(1).map((count) => ({ label: count.toLocaleString('en'), count, args: [] })),
      { label: WITHOUT_API_LABEL, count: 0, args: WITHOUT_API_ARGS },
    ];
    for (const { label, count, args } of others) {
      const w = await startWebhook(count, args);
      await sleep(SETTLE_MS);
      const idle = memory(w.pid);
      await load({ name: `webhook ${count}`, port: w.port, pid: w.pid }, 200, DURATION_S * ROUNDS);
      await sleep(SETTLE_MS);
      readings.push({
        label,
        readyMs: w.readyMs,
        idle,
        afterLoad: memory(w.pid),
        peak: rssMiB(w.pid, 'VmHWM'),
      });
      w.child.kill('SIGTERM');
    }

    const values = parse(readFileSync(join(ROOT, 'charts', 'imds-emulator', 'values.yaml'), 'utf8'));
    const memoryRequest = values.resources.requests.memory as string;
    const memoryLimit = values.resources.limits.memory as string;

    const latencyRows: string[] = [];
    const summary = (name: string, rate: number) => {
      const entry = pooled.get(`${name} ${rate}`);
      if (!entry) throw new Error(`no runs of ${name} at ${rate}/s`);
      const sorted = Float64Array.from(entry.latencies).sort();
      return { ...latencySummary(sorted), ...entry, cpuUs: (entry.cpu / Math.max(1, entry.sent)) * 1e6 };
    };
    for (const rate of RATES) {
      const w = summary(webhook.name, rate);
      const b = summary(bare.name, rate);
      latencyRows.push(
        `| ${rate} | ${w.p50.toFixed(2)} | ${w.p99.toFixed(2)} | ${w.max.toFixed(1)} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} | ${b.max.toFixed(1)} | ${Math.round(w.cpuUs)} | ${Math.round(b.cpuUs)} | ${w.sendLag.toFixed(1)}/${b.sendLag.toFixed(1)} | ${w.sent} | ${w.errors}/${b.errors} |`,
      );
    }
    const at200 = summary(webhook.name, 200);
    const withApi = readings.filter((r) => r.label !== WITHOUT_API_LABEL);
    const worstRss = Math.max(...withApi.map((r) => r.afterLoad.rss));
    const worstPeak = Math.max(...withApi.map((r) => r.peak));
    const memoryRows = readings.map(
      (r) =>
        `| ${r.label} | ${(r.readyMs / 1000).toFixed(1)} | ${r.idle.rss.toFixed(1)} (${r.idle.anonymous.toFixed(1)}) | ${r.afterLoad.rss.toFixed(1)} (${r.afterLoad.anonymous.toFixed(1)}) | ${r.peak.toFixed(1)} |`,
    );
    const markdown = [
      '## Webhook: what the API server does to it (`npm run bench:webhook`)',
      '',
      `Measured ${machine}.`,
      '',
      'The webhook runs as the image ships it (the bundled CLI of emulator/image/app-bundle.js, NODE_ENV=production)',
      'with its defaults (namespace policy on, sidecar mode auto) against the stand-in API server of the tests',
      '(test/webhook/kube/fake-apiserver.ts), filled with Namespace objects as a real API server lists them (labels, the',
      'allowed-role-arns annotation, managed fields). The reviews are pods of Deployments as the API server sends them',
      'after defaulting and ServiceAccount admission (owner reference, managed fields, probes, the kube-api-access volume;',
      `${bodies[0].length} bytes; ${REVIEWS} pods in turn across namespaces), each a full mutation (${patchOps} patch`,
      "operations) allowed by its namespace's policy.",
      '',
      'Open-loop load over HTTPS keep-alive (bench/lib/open-loop.ts): request i is sent at start + i/rate whatever the',
      'answers before it did, and its latency runs from that due time to the end of its answer, so a stall is charged to',
      `every request queued behind it. ${ROUNDS} alternating runs of ${DURATION_S} s per server and rate after a 3 s`,
      'warm-up, latencies pooled. The bare server is a Node `https` server on the same binary that reads each body and',
      "answers with the webhook's own answer: the floor of TLS and HTTP here. CPU per review is the server process's",
      'user + system time over the runs (/proc). The machine is shared: the load generator (the bench process) and other',
      "jobs compete with the servers for its cores, which shows in the bare server's p99 as much as in the webhook's; the",
      "generator's send lag is how late its own requests went out (a spike with as large a lag is the generator's).",
      '',
      '| reviews/s | webhook p50 ms | webhook p99 ms | webhook max ms | bare p50 ms | bare p99 ms | bare max ms | webhook CPU µs/review | bare CPU µs/review | generator max send lag ms (webhook/bare runs) | reviews per server | errors (webhook/bare) |',
      '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
      ...latencyRows,
      '',
      'Resident memory of the webhook (MiB; its anonymous part, the V8 heap and malloc, in parentheses; the rest is mostly',
      `the node binary's pages) with its namespace watch cache synced: ${SETTLE_MS / 1000} s after /readyz answered 200,`,
      `and ${SETTLE_MS / 1000} s after its load (the latency runs above for the first row; ${DURATION_S * ROUNDS} s at 200`,
      "reviews/s for the others). Peak is VmHWM over the process's life, including parsing the namespace list at start-up.",
      '',
      '| namespaces in the cache | start to /readyz s | RSS idle | RSS after load | peak RSS |',
      '| --- | --: | --: | --: | --: |',
      ...memoryRows,
      '',
      `Bare server RSS after its load: ${bareRss.rss.toFixed(1)} MiB (${bareRss.anonymous.toFixed(1)} anonymous).`,
      '',
      `Targets: p99 < 10 ms at 200 reviews/s — ${at200.p99.toFixed(2)} ms (${at200.p99 < 10 ? 'met' : 'NOT met'}); ` +
        `RSS below the chart's memory request (${memoryRequest}; limit ${memoryLimit}) — at most ${worstRss.toFixed(1)} ` +
        `MiB after load with the namespace policy on, peak ${worstPeak.toFixed(1)} MiB ` +
        `(${worstRss < mebibytes(memoryRequest) ? 'met' : 'NOT met'}). The earlier throughput targets (reviews/s as a ` +
        'share of a bare server at fixed concurrency) are retired (issue 18): the API server sends a few reviews per pod ' +
        'created, so latency at such rates and memory are what users pay.',
    ].join('\n');
    writeBenchmarkSection('webhook', markdown);
    process.stdout.write(`\n${markdown}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    for (const agent of agents) agent.destroy();
    await Promise.all(fakes.map((f) => f.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench:webhook failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
