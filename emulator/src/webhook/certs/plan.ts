/**
 * When the self-managed certificates must change, decided from the Secret's contents and a clock. Pure (parsing with
 * node:crypto's X509Certificate is not I/O), so every renewal rule is unit-tested with a fake clock.
 *
 * The Secret holds `ca.crt` (the trust bundle: the signing CA first, then older CAs still valid), `ca.key` (the
 * signing CA's key), `tls.crt` and `tls.key` (the serving pair). A CA rollover takes two steps so no client breaks:
 * first a new signing CA joins the bundle while the old serving certificate stays in use; only once the
 * MutatingWebhookConfiguration trusts the new CA, and a propagation delay has passed, is the serving certificate
 * re-issued under it. The old CA stays in the bundle until it expires.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';

export const SECRET_KEYS = { caBundle: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

export interface CertMaterial {
  caBundlePem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
}

export type Renewal =
  | { kind: 'none' }
  /** Nothing usable: new CA and serving certificate (unexpired CAs already in the bundle are kept). */
  | { kind: 'create'; reason: string }
  /** The signing CA is in its last third: a new signing CA joins the bundle; the serving certificate stays. */
  | { kind: 'rotate-ca'; reason: string }
  /** A new serving certificate from the current signing CA. */
  | { kind: 'reissue'; reason: string }
  /** Drop expired CAs from the bundle. */
  | { kind: 'prune'; reason: string };

export interface PlanOptions {
  dnsNames: readonly string[];
  /** How long after a new CA was created its certificates may be served (API servers pick up the caBundle). */
  propagationSeconds: number;
  /** Whether every webhook of the MutatingWebhookConfiguration already trusts the signing CA. */
  webhookTrustsSigner: boolean;
}

/** How far notBefore is backdated: 5 minutes of clock skew, but never more than a tenth of the lifetime. */
export function backdateSeconds(validitySeconds: number): number {
  return Math.min(300, Math.floor(validitySeconds / 10));
}

/** When a certificate made by generate.ts was created, undoing the backdating of notBefore. */
export function issuedAt(cert: X509Certificate): number {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const lifetime = (notAfter - notBefore) / 1000;
  const validity = lifetime <= 3300 ? lifetime / 1.1 : lifetime - 300;
  return notAfter - validity * 1000;
}

/** True when less than a third of the certificate's lifetime remains (or it has expired). */
export function inRenewalWindow(cert: X509Certificate, now: number): boolean {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  return notAfter - now < (notAfter - notBefore) / 3;
}

export function isExpired(cert: X509Certificate, now: number): boolean {
  return now >= Date.parse(cert.validTo);
}

/** The CERTIFICATE blocks of a PEM bundle, each re-terminated with a newline. */
export function splitPem(bundle: string): string[] {
  return (
    bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((b) => `${b}\n`) ?? []
  );
}

/** Parses each certificate of a bundle, skipping blocks that do not parse. */
export function parseBundle(bundle: string): X509Certificate[] {
  return splitPem(bundle).flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
}

/** The new trust bundle: the signing CA first, then the other CAs of the old bundle that have not expired. */
export function computeBundle(signerPem: string, previousBundle: string, now: number): string {
  const signer = new X509Certificate(signerPem);
  const seen = new Set([signer.fingerprint256]);
  const kept = parseBundle(previousBundle).filter((ca) => {
    const fresh = !seen.has(ca.fingerprint256) && !isExpired(ca, now);
    seen.add(ca.fingerprint256);
    return fresh;
  });
  return [signer, ...kept].map((c) => c.toString()).join('');
}

function dnsNamesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4))
    .sort();
}

function signedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

interface Parsed {
  bundle: X509Certificate[];
  serving: X509Certificate;
}

function parse(material: CertMaterial): Parsed | string {
  const bundle = parseBundle(material.caBundlePem);
  if (bundle.length === 0) return `${SECRET_KEYS.caBundle} holds no certificate`;
  let serving: X509Certificate;
  try {
    serving = new X509Certificate(material.certPem);
  } catch {
    return `${SECRET_KEYS.cert} is not a certificate`;
  }
  try {
    if (!bundle[0].checkPrivateKey(createPrivateKey(material.caKeyPem))) {
      return `${SECRET_KEYS.caKey} does not match the first CA of ${SECRET_KEYS.caBundle}`;
    }
    if (!serving.checkPrivateKey(createPrivateKey(material.keyPem))) {
      return `${SECRET_KEYS.key} does not match ${SECRET_KEYS.cert}`;
    }
  } catch {
    return 'a private key does not parse';
  }
  return { bundle, serving };
}

export function planRenewal(material: CertMaterial | undefined, now: number, options: PlanOptions): Renewal {
  if (!material) return { kind: 'create', reason: 'no certificate yet' };
  const parsed = parse(material);
  if (typeof parsed === 'string') return { kind: 'create', reason: parsed };
  const { bundle, serving } = parsed;
  const signer = bundle[0];
  if (isExpired(signer, now)) return { kind: 'create', reason: 'the signing CA has expired' };
  if (inRenewalWindow(signer, now))
    return { kind: 'rotate-ca', reason: 'less than a third of the CA lifetime left' };

  const trusted = bundle.some((ca) => signedBy(serving, ca));
  const wanted = [...options.dnsNames].sort().join(',');
  if (!trusted)
    return { kind: 'reissue', reason: 'the serving certificate is not signed by a CA of the bundle' };
  if (dnsNamesOf(serving).join(',') !== wanted) return { kind: 'reissue', reason: 'the DNS names changed' };
  if (isExpired(serving, now) || now < Date.parse(serving.validFrom)) {
    return { kind: 'reissue', reason: 'the serving certificate is not valid now' };
  }
  if (!signedBy(serving, signer)) {
    const propagated = now >= issuedAt(signer) + options.propagationSeconds * 1000;
    if (options.webhookTrustsSigner && propagated) {
      return { kind: 'reissue', reason: 'moving the serving certificate to the new CA' };
    }
  } else if (inRenewalWindow(serving, now)) {
    return { kind: 'reissue', reason: 'less than a third of the serving certificate lifetime left' };
  }
  if (bundle.slice(1).some((ca) => isExpired(ca, now)))
    return { kind: 'prune', reason: 'an old CA has expired' };
  return { kind: 'none' };
}
