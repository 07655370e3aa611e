import { X509Certificate } from 'node:crypto';
import pino from 'pino';
import { splitPem } from '../../../emulator/src/webhook/certs/plan';
import {
  type CertSecretStore,
  SelfManagedCerts,
  type ServingMaterial,
  type StoredSecret,
  serviceDnsNames,
  type WebhookConfigStore,
} from '../../../emulator/src/webhook/certs/self-managed';
import type { PatchOperation, WebhookEntry } from '../../../emulator/src/webhook/certs/webhook-bundle';

/** In-memory Secret with the API server's optimistic concurrency: create-if-absent, replace-at-resourceVersion. */
class MemorySecret implements CertSecretStore {
  stored?: StoredSecret;
  writes = 0;
  private version = 0;
  async get() {
    await new Promise((r) => setImmediate(r));
    return this.stored && { data: { ...this.stored.data }, resourceVersion: this.stored.resourceVersion };
  }
  async create(data: Record<string, string>) {
    if (this.stored) return false;
    this.writes += 1;
    this.stored = { data, resourceVersion: String(++this.version) };
    return true;
  }
  async replace(data: Record<string, string>, resourceVersion: string) {
    if (this.stored?.resourceVersion !== resourceVersion) return false;
    this.writes += 1;
    this.stored = { data, resourceVersion: String(++this.version) };
    return true;
  }
}

class MemoryWebhooks implements WebhookConfigStore {
  webhooks: WebhookEntry[] = [
    { name: 'pods.imds-emulator.io' },
    { name: 'other.imds-emulator.io', caBundle: 'Zm9v' },
  ];
  async get(): Promise<WebhookEntry[] | undefined> {
    return this.webhooks.map((w) => ({ ...w }));
  }
  async patch(ops: PatchOperation[]) {
    for (const op of ops) {
      const [, , index, field] = op.path.split('/');
      if (op.op === 'test') expect(this.webhooks[Number(index)].name).toBe(op.value);
      else if (field === 'clientConfig') this.webhooks[Number(index)].caBundle = op.value;
    }
  }
}

const silent = pino({ level: 'silent' });
const DNS = serviceDnsNames('imds-emulator-webhook', 'imds');

function replica(secrets: CertSecretStore, webhooks: WebhookConfigStore, clock: { now: number }) {
  const served: ServingMaterial[] = [];
  const certs = new SelfManagedCerts({
    secrets,
    webhooks,
    dnsNames: DNS,
    caValiditySeconds: 9000,
    certValiditySeconds: 3000,
    syncSeconds: 30,
    logger: silent,
    onServing: (m) => served.push(m) > 0,
    now: () => clock.now,
  });
  return { certs, served };
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const bundleOf = (w: WebhookEntry) =>
  splitPem(Buffer.from(w.caBundle ?? '', 'base64').toString()).map(fingerprint);

describe('self-managed certificates', () => {
  it('names the Service the four ways the API server may dial it', () => {
    expect(DNS).toEqual([
      'imds-emulator-webhook',
      'imds-emulator-webhook.imds',
      'imds-emulator-webhook.imds.svc',
      'imds-emulator-webhook.imds.svc.cluster.local',
    ]);
  });

  it('makes racing replicas agree on one certificate and publish its CA', async () => {
    const secret = new MemorySecret();
    const webhooks = new MemoryWebhooks();
    const clock = { now: Date.now() };
    const replicas = [1, 2, 3].map(() => replica(secret, webhooks, clock));
    await Promise.all(replicas.map((r) => r.certs.sync()));

    expect(secret.writes).toBe(1);
    const served = replicas.map((r) => r.served.at(-1) as ServingMaterial);
    expect(new Set(served.map((m) => m.certPem)).size).toBe(1);
    const cert = new X509Certificate(served[0].certPem);
    const [ca] = splitPem(served[0].caBundlePem);
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    for (const w of webhooks.webhooks) expect(bundleOf(w)).toEqual([fingerprint(ca)]);
  });

  it('rotates the serving certificate and then the CA without ever untrusting what is served', async () => {
    const secret = new MemorySecret();
    const webhooks = new MemoryWebhooks();
    const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
    const a = replica(secret, webhooks, clock);
    const b = replica(secret, webhooks, clock);
    const trusted = () => bundleOf(webhooks.webhooks[0]);
    const servedIsTrusted = (m: ServingMaterial) => {
      const cert = new X509Certificate(m.certPem);
      return splitPem(Buffer.from(webhooks.webhooks[0].caBundle ?? '', 'base64').toString()).some((ca) =>
        cert.verify(new X509Certificate(ca).publicKey),
      );
    };

    await a.certs.sync();
    await b.certs.sync();
    const first = a.served.at(-1) as ServingMaterial;
    // Serving renewal: less than a third of 3300 s left after 1900 s.
    clock.now += 1901_000;
    await b.certs.sync();
    await a.certs.sync();
    const second = a.served.at(-1) as ServingMaterial;
    expect(second.certPem).not.toBe(first.certPem);
    expect(b.served.at(-1)?.certPem).toBe(second.certPem);
    expect(second.caBundlePem).toBe(first.caBundlePem);

    // CA renewal window (less than a third of 9300 s left) opens at 5900 s: the new CA joins the bundle first.
    clock.now += 2000_000;
    await a.certs.sync();
    const third = a.served.at(-1) as ServingMaterial;
    expect(third.certPem).not.toBe(second.certPem);
    clock.now += 2000_000;
    await a.certs.sync();
    const rolled = a.served.at(-1) as ServingMaterial;
    expect(splitPem(rolled.caBundlePem)).toHaveLength(2);
    expect(rolled.certPem).toBe(third.certPem);
    expect(trusted()).toHaveLength(2);
    expect(servedIsTrusted(rolled)).toBe(true);
    // Only after the propagation delay (2 × sync = 60 s) is the serving certificate moved to the new CA.
    await b.certs.sync();
    expect(
      new X509Certificate((b.served.at(-1) as ServingMaterial).certPem).checkIssued(
        new X509Certificate(splitPem(rolled.caBundlePem)[1]),
      ),
    ).toBe(true);
    clock.now += 61_000;
    await b.certs.sync();
    await a.certs.sync();
    const moved = a.served.at(-1) as ServingMaterial;
    expect(
      new X509Certificate(moved.certPem).checkIssued(new X509Certificate(splitPem(moved.caBundlePem)[0])),
    ).toBe(true);
    expect(servedIsTrusted(moved)).toBe(true);
    expect(b.served.at(-1)?.certPem).toBe(moved.certPem);
  });

  it('lets one of several replicas renew at once: the others hit the resourceVersion conflict and re-read', async () => {
    const secret = new MemorySecret();
    const webhooks = new MemoryWebhooks();
    const clock = { now: Date.parse('2030-01-01T00:00:00Z') };
    const replicas = [1, 2, 3].map(() => replica(secret, webhooks, clock));
    await replicas[0].certs.sync();
    await Promise.all(replicas.slice(1).map((r) => r.certs.sync()));
    const writesBefore = secret.writes;
    clock.now += 1901_000;
    await Promise.all(replicas.map((r) => r.certs.sync()));
    expect(secret.writes).toBe(writesBefore + 1);
    const served = replicas.map((r) => r.served.at(-1)?.certPem);
    expect(new Set(served).size).toBe(1);
    expect(served[0]).toBe(secret.stored?.data['tls.crt']);
  });

  it('rewrites a caBundle someone reset', async () => {
    const secret = new MemorySecret();
    const webhooks = new MemoryWebhooks();
    const { certs } = replica(secret, webhooks, { now: Date.now() });
    await certs.sync();
    const good = webhooks.webhooks[0].caBundle;
    webhooks.webhooks[0].caBundle = undefined;
    await certs.sync();
    expect(webhooks.webhooks[0].caBundle).toBe(good);
  });

  it('fails the sync with a clear error while the webhook configuration is missing, but still serves', async () => {
    const secret = new MemorySecret();
    const webhooks = new MemoryWebhooks();
    webhooks.get = async () => undefined;
    const { certs, served } = replica(secret, webhooks, { now: Date.now() });
    await expect(certs.sync()).rejects.toThrow(/MutatingWebhookConfiguration does not exist/);
    expect(served).toHaveLength(1);
  });
});
