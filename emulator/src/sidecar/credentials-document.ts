/**
 * The IMDS credentials documents, serialized once per STS refresh so that serving one is a buffer write.
 */
import type { OutgoingHttpHeaders } from 'node:http';

export interface StsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** A ready-to-send body with its headers. */
export interface Prepared {
  readonly body: Buffer;
  readonly headers: OutgoingHttpHeaders;
}

export interface ServedCredentials {
  /** Epoch ms at which STS says the credentials expire. */
  readonly expiresAt: number;
  readonly legacy: Prepared;
  /** `security-credentials-extended/<role>`: the same plus AccountId. */
  readonly extended: Prepared;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, the format botocore parses (fractional seconds make it skip its expiry logic). */
export function imdsTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export function prepare(body: string, contentType: string): Prepared {
  const buffer = Buffer.from(body);
  return { body: buffer, headers: { 'content-type': contentType, 'content-length': buffer.length } };
}

export function renderCredentials(
  creds: StsCredentials,
  accountId: string,
  obtainedAt: number,
): ServedCredentials {
  // Expiration rounds down to the second: never later than the real expiry.
  const document = {
    Code: 'Success',
    LastUpdated: imdsTime(obtainedAt),
    Type: 'AWS-HMAC',
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    Token: creds.sessionToken,
    Expiration: imdsTime(creds.expiration.getTime()),
  };
  return {
    expiresAt: creds.expiration.getTime(),
    legacy: prepare(JSON.stringify(document, null, 2), 'text/plain'),
    extended: prepare(JSON.stringify({ ...document, AccountId: accountId }, null, 2), 'text/plain'),
  };
}
