/** HTTP load with autocannon: one run at a given concurrency (and optionally a fixed rate), summarised. */
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'PUT' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Concurrent keep-alive connections. */
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second over all connections; unset: as fast as the server answers. */
  readonly rate?: number;
  /** Passed to tls.connect for https URLs, e.g. `{ ca }` or `{ rejectUnauthorized: false }`. */
  readonly tls?: Record<string, unknown>;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
}

/** The `q` quantile (0..1) of ascending `sorted`. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Latencies are taken from every response's own duration (autocannon measures it with hrtime) rather than from
 * autocannon's histogram, which has 1 ms resolution: the targets here are below 2 ms.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const durations: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        connections: options.connections,
        duration: options.durationSeconds,
        overallRate: options.rate,
        tlsOptions: options.tls,
      },
      (err, result) => {
        if (err || !result) return reject(err ?? new Error('autocannon returned no result'));
        const sorted = Float64Array.from(durations).sort();
        resolve({
          requests: result.requests.total,
          requestsPerSecond: result.requests.total / options.durationSeconds,
          p50Ms: quantile(sorted, 0.5),
          p99Ms: quantile(sorted, 0.99),
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      durations.push(responseTimeMs);
    });
  });
}
