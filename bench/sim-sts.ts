/**
 * `npm run sim:sts`: STS at cluster scale, by simulation (issue 18). 10,000 sidecars' real CredentialRefresher (the
 * real refresh policy, backoff and jitter) on one discrete-event clock, against a token-bucket STS that answers
 * Throttling beyond 600 requests/s, for a cold start of every pod at once followed by a day of steady state; then
 * the same with STS failing for 20 minutes, at the cold start and in steady state. Writes the `sim-sts` section of
 * BENCHMARKS.md.
 */
import { createLogger } from '../emulator/src/common/logger';
import { CredentialRefresher } from '../emulator/src/sidecar/credential-refresher';
import type { StsCredentials } from '../emulator/src/sidecar/credentials-document';
import { MIN_SERVED_VALIDITY_MS } from '../emulator/src/sidecar/refresh-policy';
import { prng } from '../test/support/prng';
import { machineLine, writeBenchmarkSection } from './lib/report';
import { SimClock } from './lib/sim-clock';

const PODS = Number(process.env.SIM_PODS ?? 10_000);
const STS_RATE = 600;
const STS_BURST = 600;
const STS_LATENCY_MS = 100;
const SESSION_MS = 3_600_000;
const MINUTE = 60_000;
const DAY_MS = 24 * 60 * MINUTE;
const OUTAGE_MS = 20 * MINUTE;
const T0 = Date.parse('2026-01-01T00:00:00Z');

interface Scenario {
  readonly name: string;
  /** STS fails every call in [from, from + OUTAGE_MS), offsets from the cold start. */
  readonly outageFrom?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'throttling STS (600/s), no outage' },
  { name: 'STS down for the first 20 min', outageFrom: 0 },
  { name: 'STS down 20 min in steady state (at 6 h)', outageFrom: 6 * 60 * MINUTE },
];

/** What STS answers beyond its rate, as the SDK surfaces it. */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const unavailable = () =>
  Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailableException' });

class TokenBucket {
  private tokens = STS_BURST;
  private last = T0;

  take(now: number): boolean {
    this.tokens = Math.min(STS_BURST, this.tokens + ((now - this.last) / 1000) * STS_RATE);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

interface Pod {
  refresher: CredentialRefresher;
  calls: number;
  throttled: number;
  failed: number;
  /** Expiry of the credentials STS last issued to this pod (T0 before the first). */
  heldUntil: number;
  firstAt?: number;
  /** Longest time without valid credentials after the first ones. */
  longestGap: number;
}

async function simulate(scenario: Scenario) {
  const clock = new SimClock(T0);
  const random = prng(18);
  const sts = new TokenBucket();
  const log = createLogger('sidecar', { level: 'silent' });
  const perSecond = new Map<number, number>();
  const outage = (t: number) =>
    scenario.outageFrom !== undefined &&
    t >= T0 + scenario.outageFrom &&
    t < T0 + scenario.outageFrom + OUTAGE_MS;
  let issued = 0;
  const call = (pod: Pod) => (): Promise<StsCredentials> => {
    const t = clock.now;
    pod.calls++;
    const second = Math.floor((t - T0) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    const failure = outage(t) ? unavailable() : sts.take(t) ? undefined : throttled();
    if (failure && failure.name === 'ThrottlingException') pod.throttled++;
    else if (failure) pod.failed++;
    return new Promise((resolve, reject) => {
      clock.set(() => {
        if (failure) return reject(failure);
        const expiration = t + SESSION_MS;
        const now = clock.now;
        if (pod.firstAt === undefined) pod.firstAt = now;
        else pod.longestGap = Math.max(pod.longestGap, now - pod.heldUntil);
        pod.heldUntil = expiration;
        issued++;
        resolve({
          accessKeyId: `ASIA${issued}`,
          secretAccessKey: 'secret',
          sessionToken: 'token',
          expiration: new Date(expiration),
        });
      }, STS_LATENCY_MS);
    });
  };
  const pods: Pod[] = [];
  for (let i = 0; i < PODS; i++) {
    const pod = { calls: 0, throttled: 0, failed: 0, heldUntil: T0, longestGap: 0 } as Pod;
    pod.refresher = new CredentialRefresher({
      fetch: call(pod),
      accountId: '123456789012',
      log,
      now: () => clock.now,
      random,
      timers: clock,
    });
    pods.push(pod);
  }
  // Probe what every pod would serve once a simulated minute.
  const served = { expired: 0, leastLeftMs: Number.POSITIVE_INFINITY };
  const probe = () => {
    for (const pod of pods) {
      const held = pod.refresher.current();
      if (!held) continue;
      const left = held.expiresAt - clock.now;
      if (left <= 0) served.expired++;
      served.leastLeftMs = Math.min(served.leastLeftMs, left);
    }
    clock.set(probe, MINUTE);
  };
  clock.set(probe, MINUTE);
  for (const pod of pods) void pod.refresher.refresh();
  const wall = Date.now();
  await clock.runUntil(T0 + DAY_MS);
  for (const pod of pods) pod.refresher.stop();

  const allHeldAt = Math.max(...pods.map((p) => p.firstAt ?? Number.POSITIVE_INFINITY));
  const sum = (f: (p: Pod) => number) => pods.reduce((s, p) => s + f(p), 0);
  const calls = sum((p) => p.calls);
  const throttledCalls = sum((p) => p.throttled);
  const failedCalls = sum((p) => p.failed);
  // Seconds of the cold start (until every pod held credentials) and of the steady state after it.
  const allHeldSecond = Math.floor((allHeldAt - T0) / 1000);
  let [coldCalls, peakPerSecond, steadyPeakPerSecond] = [0, 0, 0];
  for (const [second, n] of perSecond) {
    peakPerSecond = Math.max(peakPerSecond, n);
    if (second <= allHeldSecond) coldCalls += n;
    else steadyPeakPerSecond = Math.max(steadyPeakPerSecond, n);
  }
  return {
    scenario: scenario.name,
    outageEndS: scenario.outageFrom === 0 ? OUTAGE_MS / 1000 : 0,
    allHeldS: (allHeldAt - T0) / 1000,
    callsPerPod: calls / PODS,
    throttledPerPod: throttledCalls / PODS,
    failedPerPod: failedCalls / PODS,
    issuedPerPod: issued / PODS,
    /** Calls neither throttled nor failed by an outage, per credentials issued: 1 means no extra calls. */
    answeredPerIssued: (calls - throttledCalls - failedCalls) / issued,
    coldCallsPerPod: coldCalls / PODS,
    peakPerSecond,
    steadyPeakPerSecond,
    longestGapS: Math.max(...pods.map((p) => p.longestGap)) / 1000,
    expiredServed: served.expired,
    leastLeftMin: served.leastLeftMs / MINUTE,
    wallS: (Date.now() - wall) / 1000,
  };
}

type Result = Awaited<ReturnType<typeof simulate>>;

function table(results: Result[]): string {
  const row = (label: string, cell: (r: Result) => string) =>
    `| ${label} | ${results.map(cell).join(' | ')} |`;
  return [
    `| ${PODS.toLocaleString('en')} pods, cold start + 24 h | ${results.map((r) => r.scenario).join(' | ')} |`,
    `| --- | ${results.map(() => '--:').join(' | ')} |`,
    row('time until every pod holds credentials', (r) => `${r.allHeldS.toFixed(1)} s`),
    row(
      'the least STS allows: burst, then pods ÷ rate (after the outage)',
      (r) => `${(r.outageEndS + (PODS - STS_BURST) / STS_RATE).toFixed(1)} s`,
    ),
    row('cold start: STS calls per pod until every pod held credentials', (r) =>
      r.coldCallsPerPod.toFixed(1),
    ),
    row('STS calls per pod (day)', (r) => r.callsPerPod.toFixed(1)),
    row('of which throttled', (r) => r.throttledPerPod.toFixed(1)),
    row('of which failed (outage)', (r) => r.failedPerPod.toFixed(1)),
    row('credentials issued per pod', (r) => r.issuedPerPod.toFixed(1)),
    row('answered calls per credentials issued (target ≤ 1.1)', (r) => r.answeredPerIssued.toFixed(3)),
    row('peak STS requests in one second (the cold start)', (r) => String(r.peakPerSecond)),
    row('peak STS requests in one second after the cold start', (r) => String(r.steadyPeakPerSecond)),
    row(
      'longest time a pod had no valid credentials after its first',
      (r) => `${r.longestGapS.toFixed(1)} s`,
    ),
    row('expired credentials served (minute probes of every pod)', (r) => String(r.expiredServed)),
    row('least validity left of credentials held', (r) => `${r.leastLeftMin.toFixed(1)} min`),
    row('simulation wall time', (r) => `${r.wallS.toFixed(0)} s`),
  ].join('\n');
}

async function main() {
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    results.push(await simulate(scenario));
    console.error(JSON.stringify(results.at(-1)));
  }
  const markdown = [
    '## STS at cluster scale (simulation, issue 18)',
    '',
    `\`npm run sim:sts\`, ${machineLine(process.version)}. The real \`CredentialRefresher\` with the default refresh`,
    `policy and backoff for each of ${PODS.toLocaleString('en')} pods on one simulated clock (discrete events), all`,
    `pods started at once, against an STS token bucket of ${STS_RATE} requests/s (burst ${STS_BURST}) that answers`,
    `Throttling beyond it, ${STS_LATENCY_MS} ms per call, 1-hour sessions, simulated for 24 h. While STS is healthy every`,
    `credentials document must have at least ${MIN_SERVED_VALIDITY_MS / MINUTE} minutes left. "Answered calls per`,
    'credentials issued" counts the calls that were neither throttled nor failed by the outage: above 1, retries or',
    'renewals would be adding calls of their own. "The least STS allows" is how long a perfect client would wait:',
    'the burst at once, the other pods at the token rate.',
    '',
    table(results),
  ].join('\n');
  console.log(markdown);
  writeBenchmarkSection('sim-sts', markdown);
}

void main();
