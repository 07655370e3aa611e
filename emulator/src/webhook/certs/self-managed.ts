/**
 * Self-managed certificates: every replica runs this loop against one Secret and one MutatingWebhookConfiguration.
 * Replicas agree because the Secret is the only source of truth: it is created only if absent (the loser of the race
 * reads the winner's), replaced only at the resourceVersion read (a conflict means re-read and re-plan), and every
 * replica re-reads it each sync and serves what it holds.
 */
import type { Logger } from '../../common/logger';
import { generateCa, issueServingCert } from './generate';
import { type CertMaterial, computeBundle, planRenewal, type Renewal, SECRET_KEYS, splitPem } from './plan';
import { caBundlePatch, type PatchOperation, type WebhookEntry, webhooksTrust } from './webhook-bundle';

export interface StoredSecret {
  /** Decoded `data` of the Secret. */
  data: Record<string, string>;
  resourceVersion: string;
}

/** The Secret, by name: get/create/replace are all the webhook may do to it. */
export interface CertSecretStore {
  get(): Promise<StoredSecret | undefined>;
  /** False when it already exists (another replica won). */
  create(data: Record<string, string>): Promise<boolean>;
  /** False on a resourceVersion conflict. */
  replace(data: Record<string, string>, resourceVersion: string): Promise<boolean>;
}

export interface WebhookConfigStore {
  /** The webhooks of the configuration, or undefined when it does not exist. */
  get(): Promise<WebhookEntry[] | undefined>;
  patch(ops: PatchOperation[]): Promise<void>;
}

export interface ServingMaterial {
  certPem: string;
  keyPem: string;
  caBundlePem: string;
}

export interface SelfManagedOptions {
  secrets: CertSecretStore;
  webhooks: WebhookConfigStore;
  dnsNames: readonly string[];
  caValiditySeconds: number;
  certValiditySeconds: number;
  syncSeconds: number;
  logger: Logger;
  /** Called with the pair to serve whenever it differs from the last accepted one; false if it was refused. */
  onServing(material: ServingMaterial): boolean;
  now?: () => number;
}

const MAX_CONFLICTS = 5;

/** The DNS names a Service is reached by from the API server. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

function toMaterial(data: Record<string, string> | undefined): CertMaterial | undefined {
  if (!data) return undefined;
  return {
    caBundlePem: data[SECRET_KEYS.caBundle] ?? '',
    caKeyPem: data[SECRET_KEYS.caKey] ?? '',
    certPem: data[SECRET_KEYS.cert] ?? '',
    keyPem: data[SECRET_KEYS.key] ?? '',
  };
}

function toData(m: CertMaterial): Record<string, string> {
  return {
    [SECRET_KEYS.caBundle]: m.caBundlePem,
    [SECRET_KEYS.caKey]: m.caKeyPem,
    [SECRET_KEYS.cert]: m.certPem,
    [SECRET_KEYS.key]: m.keyPem,
  };
}

export class SelfManagedCerts {
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private served?: string;
  private stopped = false;

  constructor(private readonly options: SelfManagedOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Syncs now, then every syncSeconds; a failed sync is retried sooner, with backoff. */
  start(): void {
    const loop = async () => {
      let delay = this.options.syncSeconds * 1000;
      try {
        await this.sync();
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        delay = Math.min(delay, 1000 * 2 ** Math.min(this.failures - 1, 6));
        this.options.logger.warn(
          { err: err instanceof Error ? err.message : String(err), retryInSeconds: delay / 1000 },
          'self-managed certificates: sync failed; the webhook keeps serving its current certificate (if any)',
        );
      }
      if (!this.stopped) this.timer = setTimeout(loop, delay).unref();
    };
    void loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One round: read, renew if due (racing safely with other replicas), serve, and publish the CA bundle. */
  async sync(): Promise<void> {
    const { secrets, logger } = this.options;
    for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
      const stored = await secrets.get();
      const webhooks = await this.options.webhooks.get();
      let material = toMaterial(stored?.data);
      const signer = material ? splitPem(material.caBundlePem)[0] : undefined;
      const renewal = planRenewal(material, this.now(), {
        dnsNames: this.options.dnsNames,
        propagationSeconds: Math.max(10, 2 * this.options.syncSeconds),
        webhookTrustsSigner:
          webhooks !== undefined && signer !== undefined && webhooksTrust(webhooks, signer),
      });
      if (renewal.kind !== 'none') {
        const next = await this.renew(material, renewal);
        const written = stored
          ? await secrets.replace(toData(next), stored.resourceVersion)
          : await secrets.create(toData(next));
        if (!written) {
          logger.debug(
            { attempt },
            'self-managed certificates: another replica wrote the Secret first; re-reading',
          );
          continue;
        }
        logger.info(
          { change: renewal.kind, reason: renewal.reason },
          'self-managed certificates: Secret updated',
        );
        material = next;
      }
      this.serve(material as CertMaterial);
      await this.publishBundle((material as CertMaterial).caBundlePem, webhooks);
      return;
    }
    throw new Error(`the Secret changed under us ${MAX_CONFLICTS} times in a row`);
  }

  private async renew(material: CertMaterial | undefined, renewal: Renewal): Promise<CertMaterial> {
    const { dnsNames, caValiditySeconds, certValiditySeconds } = this.options;
    const now = this.now();
    const previousBundle = material?.caBundlePem ?? '';
    if (renewal.kind === 'create' || renewal.kind === 'rotate-ca') {
      const ca = await generateCa(
        `imds-emulator-webhook-ca@${Math.floor(now / 1000)}`,
        new Date(now),
        caValiditySeconds,
      );
      const caBundlePem = computeBundle(ca.certPem, previousBundle, now);
      if (renewal.kind === 'rotate-ca' && material) return { ...material, caBundlePem, caKeyPem: ca.keyPem };
      const serving = await issueServingCert(ca, dnsNames, new Date(now), certValiditySeconds);
      return { caBundlePem, caKeyPem: ca.keyPem, certPem: serving.certPem, keyPem: serving.keyPem };
    }
    const m = material as CertMaterial;
    const signer = { certPem: splitPem(m.caBundlePem)[0], keyPem: m.caKeyPem };
    const caBundlePem = computeBundle(signer.certPem, previousBundle, now);
    if (renewal.kind === 'prune') return { ...m, caBundlePem };
    const serving = await issueServingCert(signer, dnsNames, new Date(now), certValiditySeconds);
    return { ...m, caBundlePem, certPem: serving.certPem, keyPem: serving.keyPem };
  }

  private serve(material: CertMaterial): void {
    const key = material.certPem + material.keyPem + material.caBundlePem;
    if (key === this.served) return;
    // A refused pair is offered again next sync (and logged by the receiver each time).
    const accepted = this.options.onServing({
      certPem: material.certPem,
      keyPem: material.keyPem,
      caBundlePem: material.caBundlePem,
    });
    if (accepted) this.served = key;
  }

  private async publishBundle(bundlePem: string, webhooks: WebhookEntry[] | undefined): Promise<void> {
    const { logger } = this.options;
    if (!webhooks) {
      throw new Error('the MutatingWebhookConfiguration does not exist (yet); its caBundle cannot be set');
    }
    const { ops, stale } = caBundlePatch(webhooks, bundlePem);
    if (stale) {
      logger.info(
        'self-managed certificates: the caBundle already trusts a newer CA; re-reading the Secret next sync',
      );
      return;
    }
    if (ops.length === 0) return;
    await this.options.webhooks.patch(ops);
    logger.info({ webhooks: ops.length / 2 }, 'self-managed certificates: caBundle written');
  }
}
