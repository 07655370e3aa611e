/**
 * The compiled webhook's connection cap and timeouts: connections that never send a request do not hold a slot for
 * ever, a client hoarding connections up to the cap does not lock out a normal review, and the API server's idle
 * keep-alive connections are kept as before.
 */
import { Agent } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { MAX_CONNECTIONS } from '../../../emulator/src/webhook/server/connection-limits';
import { health, post, startFilesWebhook, type WebhookProcess } from './harness';
import { podReview } from './reviews';

let webhook: WebhookProcess;
const sockets: TLSSocket[] = [];

beforeAll(async () => {
  webhook = await startFilesWebhook();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await webhook?.stop();
});

/** A TLS connection that sends nothing; `closed` resolves when the server closes it. */
function silentConnection(): { socket: TLSSocket; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port: webhook.port, rejectUnauthorized: false });
  socket.on('error', () => {});
  sockets.push(socket);
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
