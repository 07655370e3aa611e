/**
 * Credential failures a human must fix (retrying does not help), each with the fix in words, and the one-line
 * termination message the kubelet shows in `kubectl describe pod` when the sidecar exits without credentials (for a
 * transient failure that lasted that long too).
 * Pure: the caller supplies the pod's context and the token's claims.
 */
import type { RoleArn } from '@imds-emulator/contract';

/** What the fix can name; a missing part is written as a placeholder to fill in. */
export interface FixContext {
  readonly role?: RoleArn;
  readonly tokenFile?: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  /** `iss` claim of the projected token: the OIDC provider IAM must know. */
  readonly issuer?: string;
  /** `aud` claim(s) of the projected token (the webhook's --token-audience). */
  readonly audience?: string;
}

/** A failed STS call: its code (STS error or Node TLS/IO code) and the error's message. */
export interface CredentialFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * The kubelet keeps the last 4096 bytes of the file (kubecontainer.MaxContainerTerminationMessageLength); the
 * message stays well under it so nothing is cut, and each part is capped so that no peer's text can crowd out the fix.
 */
export const MAX_TERMINATION_MESSAGE_BYTES = 2048;
const MAX_ERROR_MESSAGE_BYTES = 400;
const MAX_CLAIM_CHARS = 256;

function subject(c: FixContext): string {
  return `system:serviceaccount:${c.namespace ?? '<namespace>'}:${c.serviceAccount ?? '<service-account>'}`;
}

/** IAM names an OIDC provider by its issuer URL without the scheme. */
function providerId(c: FixContext): string {
  return c.issuer?.replace(/^https:\/\//, '') ?? "<the cluster's OIDC issuer without https://>";
}

function roleArn(c: FixContext): string {
  return c.role?.arn ?? '--role-arn';
}

function untrustedCertificate(): string {
  return (
    "the --sts-endpoint's TLS certificate is not trusted: give the sidecar the CA that issued it in the " +
    'NODE_EXTRA_CA_CERTS environment variable (a PEM file; the webhook sets it with --sts-ca-bundle-configmap or ' +
    '--sts-ca-bundle-secret), or fix the endpoint certificate'
  );
}

/** Errors that retrying cannot fix, with what a human should do. Keyed by STS or Node TLS/IO error code. */
const FIXES: Record<string, (c: FixContext) => string> = {
  AccessDenied: (c) => {
    const account = c.role ? `arn:${c.role.partition}:iam::${c.role.accountId}` : 'arn:aws:iam::<account>';
    const id = providerId(c);
    return (
      `the trust policy of ${roleArn(c)} must allow sts:AssumeRoleWithWebIdentity to the federated principal ` +
      `${account}:oidc-provider/${id} with the conditions ${id}:sub = ${subject(c)} and ` +
      `${id}:aud = ${c.audience ?? "<the token's audience, webhook --token-audience>"}`
    );
  },
  InvalidIdentityToken: (c) =>
    `STS rejected the service-account token: register the cluster's OIDC issuer${c.issuer ? ` ${c.issuer}` : ''} ` +
    `as an IAM identity provider in the account of ${roleArn(c)}, with the token's audience ` +
    `${c.audience ?? '(webhook --token-audience)'} as client ID`,
  IDPRejectedClaim: (c) =>
    `the identity provider rejected the token's claims: check the audience and subject conditions (sub = ${subject(c)}) ` +
    `in the trust policy of ${roleArn(c)}`,
  ExpiredToken: () =>
    'the projected service-account token has expired: check that the kubelet refreshes the token volume',
  RegionDisabled: () =>
    'STS is not activated in --region for this account: activate it in IAM or choose another region',
  ValidationError: () =>
    '--role-arn or --session-duration was refused: the duration must not exceed the role MaxSessionDuration',
  TokenFileUnreadable: (c) =>
    `mount the projected service-account token at ${c.tokenFile ?? 'the path'} given by --token-file (the webhook ` +
    'does this for pods it mutated: check that the pod has the injected annotation and the imds-emulator-token volume)',
  DEPTH_ZERO_SELF_SIGNED_CERT: untrustedCertificate,
  SELF_SIGNED_CERT_IN_CHAIN: untrustedCertificate,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrustedCertificate,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrustedCertificate,
  CERT_HAS_EXPIRED: () => "the --sts-endpoint's TLS certificate has expired: renew the endpoint certificate",
  ERR_TLS_CERT_ALTNAME_INVALID: () =>
    "the --sts-endpoint's TLS certificate does not name its host: use the host name that the certificate is for",
};

/** The fix for a failure with `code`, or undefined when retrying is the remedy. */
export function fixFor(code: string, context: FixContext): string | undefined {
  return FIXES[code]?.(context);
}

/** A JWT (three base64url parts) anywhere in a peer's text is replaced: no token reaches the message. */
const JWT = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g;

/** At most `maxBytes` of UTF-8, cut at a character boundary and marked with an ellipsis. */
function capBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  const cut = Buffer.from(text)
    .subarray(0, maxBytes - Buffer.byteLength(ellipsis))
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return cut + ellipsis;
}

/** What a transient failure (network, throttling, 5xx, timeouts) needs when it lasts until the sidecar is killed. */
const TRANSIENT_FIX =
  'retried with backoff without success: check that the pod reaches the STS endpoint (network policies, egress ' +
  'proxy, DNS) and see kubectl logs <pod> -c imds-emulator';

/** `<code>: <message>. Fix: <fix>` on one line, at most MAX_TERMINATION_MESSAGE_BYTES of UTF-8. */
export function terminationMessage(failure: CredentialFailure, context: FixContext): string {
  const fix = fixFor(failure.code, context) ?? TRANSIENT_FIX;
  const message = failure.message.replace(JWT, '<token redacted>').replace(/\s+/g, ' ').trim();
  const line = `${failure.code}: ${capBytes(message, MAX_ERROR_MESSAGE_BYTES).replace(/\.$/, '')}. Fix: ${fix}`;
  return capBytes(line, MAX_TERMINATION_MESSAGE_BYTES);
}

/** A claim kept only when it is short plain text: it ends up in a message a human reads. */
function plainClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_CLAIM_CHARS && /^[\x21-\x7e]+$/.test(value)
    ? value
    : undefined;
}

/**
 * The issuer and audience of a projected token, read from its payload without verifying it (they only fill in the
 * fix; STS does the verifying). Anything unreadable gives no claims.
 */
export function tokenClaims(token: string): Pick<FixContext, 'issuer' | 'audience'> {
  const payload = token.trim().split('.')[1];
  if (payload === undefined) return {};
  let claims: { iss?: unknown; aud?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return {};
  }
  if (typeof claims !== 'object' || claims === null) return {};
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).map(plainClaim);
  const audience =
    audiences.every((a) => a !== undefined) && audiences.length > 0 ? audiences.join(',') : undefined;
  return { issuer: plainClaim(claims.iss), audience };
}
