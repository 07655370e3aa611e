/**
 * The compiled webhook under many concurrent large bodies held open (the memory attack of issue 13): requests past
 * the shared body budget get a quick 503 with Retry-After, a normal review still gets its answer meanwhile, and the
 * bodies that were taken in are reviewed once complete. Memory itself is measured by `npm run bench:webhook-memory`.
 */
import {
  BODY_BUDGET_BYTES,
  SMALL_BODY_RESERVE_BYTES,
} from '../../../emulator/src/webhook/server/body-budget';
import { MAX_BODY_BYTES } from '../../../emulator/src/webhook/server/mutate';
import {
  type HeldAnswer,
  HeldRequest,
  health,
  post,
  startFilesWebhook,
  type WebhookProcess,
  waitUntil,
} from './harness';
import { patchOf, podReview, reviewOfSize } from './reviews';

let webhook: WebhookProcess;
const held: HeldRequest[] = [];

beforeAll(async () => {
  webhook = await startFilesWebhook();
});

afterAll(async () => {
  for (const request of held) request.close();
  await webhook?.stop();
});

async function shedCount(): Promise<number> {
  const metrics = await health(webhook.healthPort, '/metrics');
  const line = /^imds_emulator_webhook_shed_total\{reason="body-budget"\} (\d+)$/m.exec(metrics.body);
  return Number(line?.[1] ?? 0);
}

it('answers 503 with Retry-After past the body budget, keeps answering normal reviews, then reviews the held bodies', async () => {
  const large = reviewOfSize(MAX_BODY_BYTES);
  const admitted = Math.floor((BODY_BUDGET_BYTES - SMALL_BODY_RESERVE_BYTES) / MAX_BODY_BYTES);
  const count = 2 * admitted;
  const answers: Array<HeldAnswer | undefined> = [];
  for (let i = 0; i < count; i++) {
    const request = new HeldRequest(webhook.port, large, 1);
    held.push(request);
    request.answer.then((answer) => answers.push(answer));
  }

  // Each request past the budget is answered before its body is complete; the admitted ones wait for their last byte.
  await waitUntil(() => answers.length >= count - admitted, 30_000, `${count - admitted} early answers`);
  expect(answers).toEqual(Array(count - admitted).fill({ status: 503, retryAfter: '1' }));

  // A pod-sized review still fits, and a large chunked body (no Content-Length) is refused as it arrives.
  const normal = await post(webhook.port, JSON.stringify(podReview({ uid: 'during' })));
  expect(normal.status).toBe(200);
  expect(patchOf(normal.json).length).toBeGreaterThan(0);
  const chunked = new HeldRequest(webhook.port, large, 1, true);
  held.push(chunked);
  expect(await chunked.answer).toEqual({ status: 503, retryAfter: '1' });
  expect(answers).toHaveLength(count - admitted);
  expect(await shedCount()).toBe(count - admitted + 1);

  // The held bodies complete and are reviewed; their share of the budget comes back.
  for (const request of held) request.finish();
  await waitUntil(() => answers.length === count, 30_000, 'answers to the held bodies');
  expect(answers.filter((a) => a?.status === 200)).toHaveLength(admitted);
  const after = await post(webhook.port, large);
  expect(after.status).toBe(200);
  expect(webhook.child.exitCode).toBeNull();
}, 90_000);
