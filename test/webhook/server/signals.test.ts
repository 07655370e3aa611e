/**
 * The compiled webhook drains on SIGTERM, SIGINT and SIGHUP, and repeated signals while it drains do not cut the
 * review in flight (issue 13 case 8).
 */
import { HeldRequest, post, startFilesWebhook, type WebhookProcess, waitUntil } from './harness';
import { podReview } from './reviews';

let webhook: WebhookProcess | undefined;

afterEach(async () => {
  await webhook?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it.each([
  ['SIGTERM', 'SIGTERM', 'SIGINT'],
  ['SIGINT', 'SIGINT', 'SIGTERM'],
  ['SIGHUP', 'SIGHUP'],
] as NodeJS.Signals[][])(
  '%s, then %s…, during a review: the review is answered and the process exits 0',
  async (...signals) => {
    const w = await startFilesWebhook();
    webhook = w;

    // A review whose last byte is held back; a full review on another connection shows the server has read its head.
    const inFlight = new HeldRequest(w.port, Buffer.from(JSON.stringify(podReview({ uid: 'in-flight' }))), 1);
    expect((await post(w.port, JSON.stringify(podReview()))).status).toBe(200);
    await sleep(200);

    for (const signal of signals) {
      w.child.kill(signal);
      await sleep(300);
    }
    await w.waitForLog((l) => l.msg === 'shutting down: finishing requests in flight');
    expect(w.child.exitCode).toBeNull();
    expect(w.child.signalCode).toBeNull();

    inFlight.finish();
    expect(await inFlight.answer).toEqual({ status: 200, retryAfter: undefined });
    await waitUntil(() => w.child.exitCode !== null || w.child.signalCode !== null, 15_000, 'exit');
    expect({ code: w.child.exitCode, signal: w.child.signalCode }).toEqual({ code: 0, signal: null });
    const repeats = w.logs.filter((l) => l.msg === 'already draining; signal ignored');
    expect(repeats).toHaveLength(signals.length - 1);
  },
);
