/**
 * Creates the self-managed CA and serving certificates (ECDSA P-256, SHA-256) with @peculiar/x509 on Node's WebCrypto.
 * Output is PEM: certificates as CERTIFICATE, keys as PKCS#8 PRIVATE KEY, which Node's TLS reads directly.
 */
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata API before it loads.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { backdateSeconds } from './plan';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const crypto = webcrypto;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')}\n`;
}

/** Newline-terminated, as Node's X509Certificate#toString() writes it, so bundles concatenate and compare cleanly. */
function certPem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n`;
}

/** notBefore is backdated a little so a replica or API server whose clock is behind still accepts the certificate. */
function validity(now: Date, seconds: number): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: new Date(now.getTime() - backdateSeconds(seconds) * 1000),
    notAfter: new Date(now.getTime() + seconds * 1000),
  };
}

function serial(): string {
  // Positive 16-byte serial: RFC 5280 wants it unique per CA and non-negative.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export async function generateCa(
  commonName: string,
  now: Date,
  validitySeconds: number,
): Promise<KeyPairPem> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: `CN=${commonName}`,
      ...validity(now, validitySeconds),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: certPem(cert), keyPem: await keyPem(keys.privateKey) };
}

export async function issueServingCert(
  ca: KeyPairPem,
  dnsNames: readonly string[],
  now: Date,
  validitySeconds: number,
): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decodeFirst(ca.keyPem),
    ALGORITHM,
    false,
    ['sign'],
  );
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: `CN=${dnsNames[0]}`,
      issuer: caCert.subject,
      ...validity(now, validitySeconds),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(
          dnsNames.map((value) => ({ type: 'dns' as const, value })),
          false,
        ),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: certPem(cert), keyPem: await keyPem(keys.privateKey) };
}
