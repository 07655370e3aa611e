/**
 * `--cert-mode files` against the layout kubelet gives a Secret volume: tls.crt → ..data/tls.crt, with ..data a
 * symlink to a timestamped directory that an update replaces atomically. A new handshake must see the new pair while
 * an open keep-alive connection carries on, and a broken pair must be refused with the old one kept.
 */

import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, issueServingCert, type KeyPairPem } from '../../../emulator/src/webhook/certs/generate';
import { health, post, startWebhook, type WebhookProcess, waitUntil } from '../server/harness';
import { podReview } from '../server/reviews';

let dir: string;
let webhook: WebhookProcess | undefined;
let generation = 0;

/** Writes a new timestamped directory and swaps ..data to it, as kubelet's AtomicWriter does. */
function publish(pair: { cert: string; key: string }): void {
  generation += 1;
  const target = `..2026_11_23_00_00_0${generation}`;
  mkdirSync(join(dir, target));
  writeFileSync(join(dir, target, 'tls.crt'), pair.cert);
  writeFileSync(join(dir, target, 'tls.key'), pair.key);
  symlinkSync(target, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
}

async function servingPair(ca: KeyPairPem) {
  const pair = await issueServingCert(ca, ['localhost'], new Date(), 3600);
  return {
    cert: pair.certPem,
    key: pair.keyPem,
    fingerprint: new X509Certificate(pair.certPem).fingerprint256,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-files-'));
});

afterAll(async () => {
  await webhook?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('serving certificate from files', () => {
  it('reloads a swapped Secret volume without dropping open connections, and refuses a broken pair', async () => {
    const ca = await generateCa('files-ca', new Date(), 3600);
    const first = await servingPair(ca);
    const second = await servingPair(ca);
    const stranger = await servingPair(await generateCa('other', new Date(), 3600));
    publish(first);
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(dir, 'tls.key'));

    webhook = await startWebhook([
      '--image=registry.example/imds-emulator:0.1.0',
      `--tls-cert=${join(dir, 'tls.crt')}`,
      `--tls-key=${join(dir, 'tls.key')}`,
      '--sidecar-mode=classic',
      '--namespace-policy=false',
    ]);
    await webhook.waitForLog((l) => l.msg === 'webhook listening');
    const port = webhook.port;
    const review = JSON.stringify(podReview());

    const kept = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = await post(port, review, { agent: kept, peer: true, ca: ca.certPem });
    expect(before).toMatchObject({ status: 200, fingerprint: first.fingerprint, reusedSocket: false });

    publish(second);
    await waitUntil(
      async () => (await post(port, review, { peer: true })).fingerprint === second.fingerprint,
      10_000,
      'new handshakes serving the new certificate',
    );
    // The connection opened before the swap is still up, reused, and still speaks with the old certificate.
    const during = await post(port, review, { agent: kept, peer: true, ca: ca.certPem });
    expect(during).toMatchObject({ status: 200, reusedSocket: true, fingerprint: first.fingerprint });
    kept.destroy();

    // A key that does not belong to the certificate: refused, logged, the previous pair stays in use.
    publish({ cert: second.cert, key: stranger.key });
    await webhook.waitForLog(
      (l) => l.msg === 'new serving certificate rejected; still serving the previous one (if any)',
    );
    expect((await post(port, review, { peer: true })).fingerprint).toBe(second.fingerprint);
    expect(webhook.output()).not.toContain('PRIVATE KEY');

    const metrics = (await health(webhook.healthPort, '/metrics')).body;
    expect(metrics).toMatch(/imds_emulator_webhook_certificate_reloads_total\{result="ok"\} 2/);
    expect(metrics).toMatch(/imds_emulator_webhook_certificate_reloads_total\{result="rejected"\} [1-9]/);
    expect(webhook.child.exitCode).toBeNull();
  });

  it('is not ready while the files are missing, and becomes ready when they appear', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'webhook-files-late-'));
    const late = await startWebhook([
      '--image=registry.example/imds-emulator:0.1.0',
      `--tls-cert=${join(empty, 'tls.crt')}`,
      `--tls-key=${join(empty, 'tls.key')}`,
      '--sidecar-mode=classic',
      '--namespace-policy=false',
    ]);
    try {
      await late.waitForLog((l) => l.msg === 'webhook listening');
      expect(await health(late.healthPort, '/readyz')).toEqual({
        status: 503,
        body: 'not ready: no serving certificate loaded yet (see the log)\n',
      });
      expect(late.output()).toMatch(/cannot read the TLS certificate files \(--tls-cert, --tls-key\)/);
      const pair = await servingPair(await generateCa('late', new Date(), 3600));
      writeFileSync(join(empty, 'tls.key'), pair.key);
      writeFileSync(join(empty, 'tls.crt'), pair.cert);
      await waitUntil(async () => (await health(late.healthPort, '/readyz')).status === 200, 10_000, 'ready');
      expect((await post(late.port, JSON.stringify(podReview()), { peer: true })).fingerprint).toBe(
        pair.fingerprint,
      );
      // SIGTERM: requests in flight finish, then a clean exit.
      await late.stop();
      expect(late.child.exitCode).toBe(0);
      expect(late.logs.some((l) => l.msg === 'shutting down: finishing requests in flight')).toBe(true);
    } finally {
      await late.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
