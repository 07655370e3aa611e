/**
 * IMDSv2 session tokens. Stateless: a token is its expiry time plus an HMAC of it under a key that lives only in
 * this process, so validating needs no per-token storage and memory stays bounded however many tokens are issued.
 * A restarted sidecar rejects old tokens with 401, which every SDK answers by fetching a new one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const MIN_TOKEN_TTL = 1;
export const MAX_TOKEN_TTL = 21600;

const MAC_BYTES = 32;

export class ImdsTokens {
  private readonly key: Buffer;
  // The last token that validated and its expiry: SDKs reuse one token for many requests, so this skips the HMAC.
  private lastValid = '';
  private lastValidUntil = 0;

  constructor(key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  /** The TTL in seconds if the header value is a whole number 1..21600, else undefined (the caller answers 400). */
  static parseTtl(header: string | undefined): number | undefined {
    if (header === undefined || !/^\d{1,5}$/.test(header)) return undefined;
    const ttl = Number(header);
    return ttl >= MIN_TOKEN_TTL && ttl <= MAX_TOKEN_TTL ? ttl : undefined;
  }

  issue(ttlSeconds: number, nowMs: number): string {
    const expiry = (nowMs + ttlSeconds * 1000).toString(36);
    return `${expiry}.${this.mac(expiry).toString('base64url')}`;
  }

  valid(token: string, nowMs: number): boolean {
    if (token === this.lastValid) return nowMs < this.lastValidUntil;
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 100) return false;
    const expiry = token.slice(0, dot);
    const expiresAt = Number.parseInt(expiry, 36);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    if (!(nowMs < expiresAt) || given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(expiry)))
      return false;
    this.lastValid = token;
    this.lastValidUntil = expiresAt;
    return true;
  }

  private mac(expiry: string): Buffer {
    return createHmac('sha256', this.key).update(expiry).digest();
  }
}
