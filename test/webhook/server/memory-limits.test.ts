/**
 * The compiled webhook against clients that try to exhaust its memory (issue 13): many concurrent large bodies held
 * open get a quick 503 with Retry-After past the shared body budget while a normal review is still answered;
 * connections that never send a request are closed; a client hoarding connections up to the cap does not lock out a
 * normal review; the API server's idle keep-alive connections are kept. Memory itself is measured by
 * `npm run bench:webhook-memory`.
 */

import { Agent } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import {
  BODY_BUDGET_BYTES,
  SMALL_BODY_RESERVE_BYTES,
} from '../../../emulator/src/webhook/server/body-budget';
import { MAX_CONNECTIONS } from '../../../emulator/src/webhook/server/connection-limits';
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
/** Connections a test leaves open, closed at the end. */
const open: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  webhook = await startFilesWebhook();
});

afterAll(async () => {
  for (const connection of open) connection.destroy();
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
  const held: HeldRequest[] = [];
  for (let i = 0; i < count; i++) {
    const request = new HeldRequest(webhook.port, large, 1);
    held.push(request);
    open.push(request);
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
  open.push(chunked);
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

/** A TLS connection that sends nothing; `closed` resolves when the server closes it. */
function silentConnection(): { socket: TLSSocket; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port: webhook.port, rejectUnauthorized: false });
  socket.on('error', () => {});
  open.push(socket);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

it('closes a connection that sends no request (the headers timeout)', async () => {
  const { closed } = silentConnection();
  const outcome = await Promise.race([
    closed.then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('still open after 40 s'), 40_000)),
  ]);
  expect(outcome).toBe('closed');
}, 60_000);

it('keeps an idle keep-alive connection after a review for longer than that timeout', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const body = JSON.stringify(podReview());
    expect((await post(webhook.port, body, { agent })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 12_000));
    const second = await post(webhook.port, body, { agent });
    expect(second).toMatchObject({ status: 200, reusedSocket: true });
  } finally {
    agent.destroy();
  }
}, 60_000);

it('answers a normal review while another client holds connections up to the cap', async () => {
  const hoard = Array.from({ length: MAX_CONNECTIONS + 20 }, () => silentConnection());
  // Every connection either completed its handshake or was closed at the cap.
  await Promise.all(
    hoard.map(
      ({ socket, closed }) =>
        new Promise<void>((resolve) => {
          socket.once('secureConnect', () => resolve());
          closed.then(resolve);
        }),
    ),
  );
  const body = JSON.stringify(podReview({ uid: 'hoarded' }));
  // A connection that arrives at the cap is dropped, and makes room: the client's retry gets in.
  let status = 0;
  for (let attempt = 0; attempt < 3 && status !== 200; attempt++) {
    status = await post(webhook.port, body).then(
      (res) => res.status,
      () => 0,
    );
  }
  expect(status).toBe(200);
  const metrics = await health(webhook.healthPort, '/metrics');
  expect(metrics.body).toMatch(/^imds_emulator_webhook_shed_total\{reason="connections"\} [1-9]/m);
  expect(webhook.child.exitCode).toBeNull();
}, 90_000);
