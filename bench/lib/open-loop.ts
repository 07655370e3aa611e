/**
 * Open-loop HTTPS load at a fixed rate, as an API server sends admission reviews: request i is due at start + i/rate
 * whether or not earlier ones were answered, and its latency is measured from that due time, so a server that stalls
 * is charged for every request that waited behind the stall (no coordinated omission). autocannon cannot do this: its
 * `overallRate` only slows connections that each wait for their previous answer, and it times from the actual send.
 * Connections are kept alive (a pool like the API server's), opened as the load needs them.
 */
import { Agent, request } from 'node:https';
import { quantile } from './load';

export interface OpenLoopOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Request bodies, sent in turn (POST, application/json). */
  readonly bodies: readonly Buffer[];
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  /** The keep-alive pool, shared between runs so that connections stay warm. */
  readonly agent: Agent;
  /** A request not answered this long after its due time counts as an error. */
  readonly timeoutMs?: number;
}

export interface OpenLoopResult {
  readonly sent: number;
  /** Due time to the end of the answer, ms, of every answered request. */
  readonly latenciesMs: Float64Array;
  readonly errors: number;
  readonly non2xx: number;
  /**
   * The longest a request went out after its due time, ms: the generator's own lateness (its event loop or the CPU it
   * got), which shows whether a latency spike came from the generator or from the server.
   */
  readonly maxSendLagMs: number;
}

/** A keep-alive pool for `openLoop`: enough sockets that requests do not queue in the agent at these rates. */
export function keepAliveAgent(tls: Record<string, unknown>): Agent {
  return new Agent({ keepAlive: true, maxSockets: 64, ...tls });
}

export function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const intervalNs = 1e9 / options.ratePerSecond;
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let settled = 0;
  let maxSendLagNs = 0n;
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const result = (latencies: number[]) => ({
      sent,
      latenciesMs: Float64Array.from(latencies).sort(),
      errors,
      non2xx,
      maxSendLagMs: Number(maxSendLagNs) / 1e6,
    });
    if (total === 0) return resolve(result([]));
    const finishOne = () => {
      settled++;
      if (settled === total) resolve(result(latencies));
    };
    const send = (due: bigint) => {
      const lag = process.hrtime.bigint() - due;
      if (lag > maxSendLagNs) maxSendLagNs = lag;
      const body = options.bodies[sent % options.bodies.length];
      sent++;
      const req = request(
        {
          host: options.host,
          port: options.port,
          path: options.path,
          method: 'POST',
          agent: options.agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) non2xx++;
            else latencies.push(Number(process.hrtime.bigint() - due) / 1e6);
            finishOne();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors++;
        finishOne();
      });
      req.end(body);
    };
    // Sends every request that is due, then sleeps until the next one is: timers fire late on a loaded machine, and
    // requests that became due meanwhile go out at once, still timed from their due time.
    const tick = () => {
      const elapsed = process.hrtime.bigint() - start;
      while (sent < total && BigInt(Math.round(sent * intervalNs)) <= elapsed) {
        send(start + BigInt(Math.round(sent * intervalNs)));
      }
      if (sent < total) {
        const nextNs = Math.round(sent * intervalNs) - Number(process.hrtime.bigint() - start);
        setTimeout(tick, Math.max(0, Math.floor(nextNs / 1e6)));
      }
    };
    tick();
  });
}

/** p50, p99 and max of sorted latencies. */
export function latencySummary(sorted: Float64Array): { p50: number; p99: number; max: number } {
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
