/** The signals every long-running command drains on, and the once-only handling both the sidecar and webhook need. */
import type { Logger } from './logger';

/** SIGHUP too: its default action (the terminal went away) would end the process at once, without the drain. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Calls `drain` on the first shutdown signal. Repeats are logged and ignored: a second SIGTERM (kubectl, a runtime
 * retrying) or a second Ctrl-C must not cut the work in flight.
 */
export function onShutdown(log: Logger, drain: (signal: NodeJS.Signals) => void): void {
  let draining = false;
  const handle = (signal: NodeJS.Signals) => {
    if (draining) {
      log.info({ signal }, 'already draining; signal ignored');
      return;
    }
    draining = true;
    drain(signal);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handle);
}
