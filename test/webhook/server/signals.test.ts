/**
 * The compiled webhook drains on SIGTERM, SIGINT and SIGHUP, and repeated signals while it drains do not cut the
 * review in flight (issue 13 case 8).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, issueServingCert } from '../../../emulator/src/webhook/certs/generate';
import { HeldRequest, post, startWebhook, type WebhookProcess, waitUntil } from './harness';
import { podReview } from './reviews';

let dir: string;
let webhook: WebhookProcess | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-signals-'));
  const ca = await generateCa('test-ca', new Date(), 3600);
  const serving = await issueServingCert(ca, ['localhost'], new Date(), 3600);
  writeFileSync(join(dir, 'tls.crt'), serving.certPem);
  writeFileSync(join(dir, 'tls.key'), serving.keyPem);
});

afterEach(async () => {
  await webhook?.stop();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it.each([
  ['SIGTERM', 'SIGTERM', 'SIGINT'],
  ['SIGINT', 'SIGINT', 'SIGTERM'],
  ['SIGHUP', 'SIGHUP'],
] as NodeJS.Signals[][])(
  '%s, then %s…, during a review: the review is answered and the process exits 0',
  async (...signals) => {
    const w = await startWebhook([
      '--image=registry.example/imds-emulator:0.1.0',
      `--tls-cert=${join(dir, 'tls.crt')}`,
      `--tls-key=${join(dir, 'tls.key')}`,
      '--sidecar-mode=classic',
      '--namespace-policy=false',
    ]);
    webhook = w;
    await w.waitForLog((l) => l.msg === 'webhook listening');

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
    const repeats = w.logs.filter(
      (l) => l.msg === 'already shutting down: still finishing requests in flight',
    );
    expect(repeats).toHaveLength(signals.length - 1);
  },
);
