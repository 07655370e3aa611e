/**
 * A shared budget of request-body bytes held in memory at once, across all requests, so that no number of clients
 * sending large or slow bodies can take the webhook past its container's memory limit. Pure: no I/O.
 *
 * Large bodies may use only part of the budget: the rest stays free for bodies the size of real Pods, so reviews from
 * the API server still get through while large bodies (real or hostile) hold their share.
 */

/**
 * 24 MiB of bodies in flight. A body costs about four times its size at its peak (the chunks, their concatenation, the
 * decoded string and the parsed objects), so the budget keeps bodies under about 100 MiB beside the webhook's own
 * ~60 MiB, well below the chart's 256Mi limit (BENCHMARKS.md, `npm run bench:webhook-memory`).
 */
export const BODY_BUDGET_BYTES = 24 * 1024 * 1024;

/** A review of a Pod with many containers and env vars is a few tens of KiB; bodies up to this size are "small". */
export const SMALL_BODY_BYTES = 128 * 1024;

/** Kept for small bodies: 32 small reviews at their largest, hundreds of typical ones. */
export const SMALL_BODY_RESERVE_BYTES = 4 * 1024 * 1024;

/** One request's share of the budget, grown as its body is known or arrives and released once it is answered. */
export interface BodyReservation {
  /** Grows this request's share to `total` bytes; false (and nothing taken) when the budget cannot give it. */
  take(total: number): boolean;
  /** Gives the share back, for good: later calls of either method do nothing or refuse. */
  release(): void;
}

export class BodyBudget {
  private used = 0;

  constructor(
    readonly capacity = BODY_BUDGET_BYTES,
    readonly small = SMALL_BODY_BYTES,
    readonly smallReserve = SMALL_BODY_RESERVE_BYTES,
  ) {}

  /** Bytes reserved by requests in flight. */
  get inUse(): number {
    return this.used;
  }

  reservation(): BodyReservation {
    let held = 0;
    let released = false;
    return {
      take: (total) => {
        if (released) return false;
        if (total <= held) return true;
        const cap = total <= this.small ? this.capacity : this.capacity - this.smallReserve;
        if (this.used - held + total > cap) return false;
        this.used += total - held;
        held = total;
        return true;
      },
      release: () => {
        this.used -= held;
        held = 0;
        released = true;
      },
    };
  }
}
