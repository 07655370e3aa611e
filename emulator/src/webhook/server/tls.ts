/**
 * The serving certificate of the HTTPS server. New pairs are validated before use and swapped in with
 * setSecureContext, which affects only new handshakes: open keep-alive connections carry on undisturbed. An invalid
 * pair is rejected and the previous one kept.
 */

import { X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import { createSecureContext as tlsContext } from 'node:tls';
import type { Logger } from '../../common/logger';
import type { WebhookMetrics } from './metrics';

export class ServingCertificate {
  private current?: string;

  constructor(
    private readonly server: Server,
    private readonly metrics: WebhookMetrics,
    private readonly logger: Logger,
  ) {}

  get loaded(): boolean {
    return this.current !== undefined;
  }

  /** Serves `certPem`/`keyPem` from the next handshake on; returns false (and keeps the old pair) if invalid. */
  apply(certPem: string, keyPem: string, source: string): boolean {
    if (certPem + keyPem === this.current) return true;
    let notAfter: number;
    try {
      tlsContext({ cert: certPem, key: keyPem }); // throws on unreadable PEM or a key that does not match
      const leaf = new X509Certificate(certPem);
      notAfter = Date.parse(leaf.validTo);
      if (Date.now() >= notAfter) throw new Error(`certificate expired at ${leaf.validTo}`);
    } catch (err) {
      this.metrics.certReloads.inc({ result: 'rejected' });
      this.logger.error(
        { source, err: (err as Error).message, keepingPrevious: this.loaded },
        'new serving certificate rejected; still serving the previous one (if any)',
      );
      return false;
    }
    this.server.setSecureContext({ cert: certPem, key: keyPem });
    this.current = certPem + keyPem;
    this.metrics.certReloads.inc({ result: 'ok' });
    this.metrics.certLoads.set(1);
    this.metrics.certExpiry.set(Math.floor(notAfter / 1000));
    this.logger.info({ source, notAfter: new Date(notAfter).toISOString() }, 'serving certificate loaded');
    return true;
  }
}
