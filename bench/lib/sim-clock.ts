/**
 * A discrete-event clock: timers in a binary heap ordered by due time (then by creation), run in order with the
 * clock set to each timer's time. After each timer, the microtasks it started run to completion before the clock
 * moves, so async code driven by these timers (a refresher awaiting a fake STS) sees the time it would in reality.
 */
import type { RefresherTimers } from '../../emulator/src/sidecar/credential-refresher';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class SimClock implements RefresherTimers {
  private readonly heap: Timer[] = [];
  private seq = 0;

  constructor(public now = 0) {}

  set(callback: () => void, delayMs: number): Timer {
    const timer = { at: this.now + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.push(timer);
    return timer;
  }

  clear(handle: unknown): void {
    if (handle) (handle as Timer).cancelled = true;
  }

  /** Runs timers due up to `until` (epoch ms), then leaves the clock there. */
  async runUntil(until: number): Promise<void> {
    for (let timer = this.heap[0]; timer && timer.at <= until; timer = this.heap[0]) {
      this.pop();
      if (timer.cancelled) continue;
      this.now = timer.at;
      timer.callback();
      await new Promise(setImmediate);
    }
    this.now = until;
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    let i = heap.push(timer) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as Timer;
    if (heap.length === 0) return;
    heap[0] = last;
    for (let i = 0; ; ) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (l < heap.length && before(heap[l], heap[least])) least = l;
      if (r < heap.length && before(heap[r], heap[least])) least = r;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least], heap[i]];
      i = least;
    }
  }
}
