/**
 * Two compiled webhook processes in self-managed mode racing against one API server (the loopback stand-in in
 * fake-apiserver.ts: no real kube-apiserver exists on this machine). They must end up serving the same certificate,
 * the MutatingWebhookConfiguration's caBundle must verify it in a real TLS handshake, and after a rotation both must
 * serve the new certificate, still trusted by the published bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { health, post, startWebhook, type WebhookProcess, waitUntil } from '../server/harness';
import { podReview } from '../server/reviews';
import { FakeApiServer } from './fake-apiserver';

const SERVICE_HOST = 'imds-emulator-webhook.imds.svc';
let api: FakeApiServer;
let dir: string;
const webhooks: WebhookProcess[] = [];

beforeAll(async () => {
  api = new FakeApiServer();
  await api.start();
  api.addWebhookConfiguration('imds-emulator', ['pods.imds-emulator.io', 'pods-env.imds-emulator.io']);
  dir = mkdtempSync(join(tmpdir(), 'webhook-self-managed-'));
});

afterAll(async () => {
  await Promise.all(webhooks.map((w) => w.stop()));
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

function caBundles(): string[] {
  const config = api.webhookConfigurations.get('imds-emulator') as unknown as {
    webhooks: Array<{ clientConfig: { caBundle?: string } }>;
  };
  return config.webhooks.map((w) => Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString('utf8'));
}

describe('self-managed certificates with two replicas', () => {
  it('agree on one certificate, publish a caBundle that verifies it, and rotate together', async () => {
    const kubeconfig = api.writeKubeconfig(dir);
    const args = [
      '--image=registry.example/imds-emulator:0.1.0',
      '--cert-mode=self-managed',
      '--cert-secret=imds-emulator-webhook-tls',
      '--webhook-configuration=imds-emulator',
      '--service-name=imds-emulator-webhook',
      // Short lifetimes so a rotation happens within the test: renewal at 2/3 of 13.2 s.
      '--cert-validity-seconds=12',
      '--cert-sync-seconds=1',
      '--sidecar-mode=native',
      '--namespace-policy=false',
    ];
    const env = { KUBECONFIG: kubeconfig, POD_NAMESPACE: 'imds' };
    webhooks.push(...(await Promise.all([startWebhook(args, env), startWebhook(args, env)])));
    for (const w of webhooks) {
      await waitUntil(
        async () => (await health(w.healthPort, '/readyz')).status === 200,
        15_000,
        'replica ready',
      );
    }

    // One Secret, created once: the loser of the create race read the winner's.
    expect(api.secrets.has('imds/imds-emulator-webhook-tls')).toBe(true);
    const creates = api.requests.filter((r) => r === 'POST /api/v1/namespaces/imds/secrets');
    expect(creates.length).toBeGreaterThanOrEqual(1);
    const secret = api.secrets.get('imds/imds-emulator-webhook-tls') as unknown as {
      data: Record<string, string>;
    };
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);

    await waitUntil(
      () => caBundles().every((b) => b.includes('BEGIN CERTIFICATE')),
      10_000,
      'caBundle written',
    );
    const [bundle] = caBundles();
    expect(caBundles()[1]).toBe(bundle);
    const review = JSON.stringify(podReview());
    const [a, b] = await Promise.all(
      webhooks.map((w) => post(w.port, review, { ca: bundle, servername: SERVICE_HOST, peer: true })),
    );
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.fingerprint).toBe(b.fingerprint);

    // Rotation: within ~9 s the serving certificate is replaced; both replicas pick it up and it verifies against
    // the published bundle (same CA).
    const before = a.fingerprint;
    await waitUntil(
      async () => {
        const seen = await Promise.all(
          webhooks.map((w) =>
            post(w.port, review, { ca: caBundles()[0], servername: SERVICE_HOST, peer: true }),
          ),
        );
        return seen.every(
          (s) => s.status === 200 && s.fingerprint !== before && s.fingerprint === seen[0].fingerprint,
        );
      },
      20_000,
      'both replicas serving the rotated certificate',
    );
    expect(
      webhooks.flatMap((w) => w.logs).filter((l) => l.change === 'reissue').length,
    ).toBeGreaterThanOrEqual(1);
    const metrics = (await health(webhooks[0].healthPort, '/metrics')).body;
    expect(metrics).toMatch(/imds_emulator_webhook_certificate_expiration_timestamp_seconds \d{10}/);
    // The CA key never reaches a log.
    for (const w of webhooks) expect(w.output()).not.toContain('PRIVATE KEY');
  });
});
