/**
 * Holds the pod's credentials and renews them from STS in the background: one STS call at a time (concurrent
 * refresh requests share it), renewal well before expiry, retries with backoff and jitter, held credentials served
 * until they really expire, never after.
 */
import type { Logger } from '../common/logger';
import { type CredentialFailure, type FixContext, fixFor } from './credential-failure';
import { renderCredentials, type ServedCredentials } from './credentials-document';
import {
  DEFAULT_RETRY,
  type RetryPolicy,
  renewDelay,
  retryDelay,
  unusableExpiration,
} from './refresh-policy';
import type { FetchCredentials } from './sts';

export interface RefresherMetrics {
  stsCall(): void;
  stsError(code: string): void;
}

/** STS answered credentials that cannot be served (expired, about to, or no date): retried with backoff. */
export class UnusableCredentialsError extends Error {
  readonly code = 'StsCredentialsUnusable';
}

/** Timer hooks, so that a simulation can run many refreshers on a fake clock. */
export interface RefresherTimers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

/** Real timers, unref'd: a pending renewal does not keep the process alive. */
const NODE_TIMERS: RefresherTimers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export interface RefresherOptions {
  readonly fetch: FetchCredentials;
  readonly accountId: string;
  readonly log: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly retry?: RetryPolicy;
  readonly metrics?: RefresherMetrics;
  /** Default: Node's timers (with `now` they make a fake clock). */
  readonly timers?: RefresherTimers;
  /** What the logged fixes name (role, pod); placeholders without. */
  readonly fixContext?: FixContext;
}

/**
 * The STS error code of `err` without the SDK's `Exception` suffix, else the Node error code (also when the SDK
 * wrapped the Node error into its message), else the error's name.
 */
export function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e?.code === 'string') return e.code;
  const name = typeof e?.name === 'string' ? e.name : 'Unknown';
  const nodeCode = typeof e?.message === 'string' ? /\bE[A-Z]{3,}\b/.exec(e.message)?.[0] : undefined;
  return name === 'Error' && nodeCode ? nodeCode : name.replace(/Exception$/, '');
}

export class CredentialRefresher {
  /** Resolves when credentials are first held. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private held: ServedCredentials | undefined;
  private inflight: Promise<void> | undefined;
  private timer: unknown;
  private failures = 0;
  private lastErrorCode: string | undefined;
  private lastFixable: CredentialFailure | undefined;
  private lastTransient: CredentialFailure | undefined;
  private stopped = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private readonly timers: RefresherTimers;

  constructor(private readonly options: RefresherOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.timers = options.timers ?? NODE_TIMERS;
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  /** Credentials that have not expired yet, or undefined. */
  current(): ServedCredentials | undefined {
    const held = this.held;
    return held && held.expiresAt > this.now() ? held : undefined;
  }

  /** Calls STS now unless a call is already running, in which case the caller shares it. */
  refresh(): Promise<void> {
    this.inflight ??= this.attempt().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * Since STS last answered credentials: the last failure that needs a human fix, else the last transient one (a
   * throttle or timeout after an AccessDenied does not hide the AccessDenied).
   */
  lastFailure(): CredentialFailure | undefined {
    return this.lastFixable ?? this.lastTransient;
  }

  stop(): void {
    this.stopped = true;
    this.timers.clear(this.timer);
  }

  private schedule(delayMs: number): void {
    this.timers.clear(this.timer);
    if (this.stopped) return;
    this.timer = this.timers.set(() => void this.refresh(), delayMs);
  }

  private async attempt(): Promise<void> {
    const { log, metrics } = this.options;
    this.timers.clear(this.timer);
    metrics?.stsCall();
    try {
      const creds = await this.options.fetch();
      const obtainedAt = this.now();
      // Checked before they replace what is held: an STS answer is not trusted to be fresh.
      const unusable = unusableExpiration(obtainedAt, creds.expiration.getTime(), this.current()?.expiresAt);
      if (unusable) throw new UnusableCredentialsError(unusable);
      this.held = renderCredentials(creds, this.options.accountId, obtainedAt);
      if (this.lastErrorCode)
        log.info({ after: this.lastErrorCode, failures: this.failures }, 'STS answers again');
      this.failures = 0;
      this.lastErrorCode = undefined;
      this.lastFixable = undefined;
      this.lastTransient = undefined;
      const delay = renewDelay(obtainedAt, obtainedAt, this.held.expiresAt, this.random());
      log.info(
        { expiration: creds.expiration.toISOString(), renewInSeconds: Math.round(delay / 1000) },
        'credentials obtained from STS',
      );
      this.resolveReady();
      this.schedule(delay);
    } catch (err) {
      this.failures++;
      const code = errorCode(err);
      metrics?.stsError(code);
      const fix = fixFor(code, this.options.fixContext ?? {});
      const error = err instanceof Error ? err.message : String(err);
      if (fix !== undefined) this.lastFixable = { code, message: error };
      else this.lastTransient = { code, message: error };
      const held = this.current();
      const delay = retryDelay(
        this.failures,
        fix !== undefined,
        held !== undefined,
        this.retry,
        this.random(),
      );
      const context = {
        code,
        error,
        retryInSeconds: Math.round(delay / 1000),
        heldCredentialsExpire: held ? new Date(held.expiresAt).toISOString() : null,
      };
      // Log a failure once, with the fix; repeats of the same failure only at debug level.
      if (code === this.lastErrorCode) log.debug(context, 'STS call failed again');
      else if (fix) log.error({ ...context, fix }, 'STS call failed; it needs a fix, not a retry');
      else log.warn(context, 'STS call failed; retrying with backoff');
      this.lastErrorCode = code;
      this.schedule(delay);
    }
  }
}
