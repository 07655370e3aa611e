/**
 * Keeps one `process.nextTick` queue entry (a TickObject) alive for the life of the process.
 *
 * Why: Node builds every tick object from one object literal with symbol keys. When a full GC (V8's memory reducer,
 * a few seconds after start-up) runs while no tick object is alive, V8 drops the maps of that shape; in a sidecar
 * that idled first, the optimized `nextTick` then defines those properties through the runtime on every call
 * (`Runtime_DefineKeyedOwnPropertyInLiteral`), and a credential GET costs twice the instructions of a bare Node
 * server's. One live tick object keeps the maps, and the GET stays at about 1.1 times the bare server's (callgrind,
 * Node 22; BENCHMARKS.md).
 */
import { createHook } from 'node:async_hooks';

// Process-wide on purpose: the V8 maps it keeps alive are process-wide too.
let pinned: object | undefined;

/**
 * Pins a tick object once per process and returns it; later calls return the same one. Undefined if this Node reports
 * no tick object (nothing breaks then; credential GETs may only cost more).
 */
export function pinTickObjectShape(): object | undefined {
  if (pinned !== undefined) return pinned;
  // async_hooks is the only public way to reach a tick object; the hook lives for one nextTick call.
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject' && pinned === undefined) pinned = resource;
    },
  });
  hook.enable();
  process.nextTick(() => undefined);
  hook.disable();
  return pinned;
}
