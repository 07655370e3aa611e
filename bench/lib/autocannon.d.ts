/** The part of autocannon's API that bench/lib uses (the package ships no type declarations). */
declare module 'autocannon' {
  interface Histogram {
    readonly p50: number;
    readonly p99: number;
    readonly average: number;
    readonly total: number;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    duration?: number;
    overallRate?: number;
    tlsOptions?: Record<string, unknown>;
  }
  interface Result {
    readonly requests: Histogram;
    readonly latency: Histogram;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
  }
  interface Instance {
    /** Per response: the client, status code, response bytes and response time in ms (hrtime, fractional). */
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): void;
  }
  function autocannon(options: Options, done: (err: Error | null, result?: Result) => void): Instance;
  export default autocannon;
}
