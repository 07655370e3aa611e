import { createSign, generateKeyPairSync } from 'node:crypto';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * A real RS256-signed JWT shaped like a projected Kubernetes service-account token, for the token file the
 * sidecar reads. STS peers in tests do not verify the signature, but the shape is what AWS would receive.
 */
export function serviceAccountJwt(
  claims: { namespace?: string; serviceAccount?: string; audience?: string; lifetimeSeconds?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const namespace = claims.namespace ?? 'default';
  const serviceAccount = claims.serviceAccount ?? 'default';
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'test' }));
  const payload = b64url(
    JSON.stringify({
      iss: 'https://oidc.test.invalid/cluster',
      sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
      aud: [claims.audience ?? 'sts.amazonaws.com'],
      iat: now,
      nbf: now,
      exp: now + (claims.lifetimeSeconds ?? 3600),
      'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount } },
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}
