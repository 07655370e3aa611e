/**
 * Lets V8 drop the bytecode of a function that has not run over one full GC, instead of six.
 *
 * Why: a sidecar runs its start-up code once and its STS code about once an hour, and otherwise idles, keeping that
 * bytecode for nothing. Flushed bytecode is compiled again on its next call, which an hourly refresh does not notice.
 * In the bench the idle sidecar's anonymous memory fell from 15.9 to 14.1 MiB (BENCHMARKS.md). NODE_OPTIONS does not
 * accept this V8 flag, so the sidecar command sets it itself.
 */
import { setFlagsFromString } from 'node:v8';

export function flushIdleBytecodeSooner(): void {
  setFlagsFromString('--bytecode-old-age=1');
}
