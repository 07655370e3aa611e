/** The pure classification of credential failures and the termination message built from it. */
import { parseRoleArn } from '@imds-emulator/contract';
import {
  fixFor,
  MAX_TERMINATION_MESSAGE_BYTES,
  terminationMessage,
  tokenClaims,
} from '../../emulator/src/sidecar/credential-failure';
import { serviceAccountJwt } from '../support/jwt';
import { ROLE_ARN } from './harness';

const role = parseRoleArn(ROLE_ARN);
if (role === undefined) throw new Error('test role ARN must parse');
const POD = {
  role,
  namespace: 'shop',
  serviceAccount: 'cart',
  tokenFile: '/var/run/secrets/imds-emulator/token',
};
const CLAIMS = {
  issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123',
  audience: 'sts.amazonaws.com',
};

describe('credential failures', () => {
  it('AccessDenied: the fix names the role, the OIDC provider, the subject and the audience', () => {
    const fix = fixFor('AccessDenied', { ...POD, ...CLAIMS });
    expect(fix).toBe(
      `the trust policy of ${ROLE_ARN} must allow sts:AssumeRoleWithWebIdentity to the federated principal ` +
        'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123 with the conditions ' +
        'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub = system:serviceaccount:shop:cart and ' +
        'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:aud = sts.amazonaws.com',
    );
  });

  it('AccessDenied without pod or token details: placeholders to fill in, never "undefined"', () => {
    const fix = fixFor('AccessDenied', {});
    expect(fix).toContain('system:serviceaccount:<namespace>:<service-account>');
    expect(fix).toContain("<the cluster's OIDC issuer without https://>");
    expect(fix).not.toContain('undefined');
  });

  it.each([
    ['InvalidIdentityToken', 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123'],
    ['IDPRejectedClaim', 'system:serviceaccount:shop:cart'],
    ['ExpiredToken', 'kubelet refreshes'],
    ['TokenFileUnreadable', '/var/run/secrets/imds-emulator/token'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'NODE_EXTRA_CA_CERTS'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', '--sts-ca-bundle-configmap'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'NODE_EXTRA_CA_CERTS'],
    ['CERT_HAS_EXPIRED', 'renew'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'host name'],
  ])('%s needs a human: the fix mentions %s', (code, detail) => {
    expect(fixFor(code, { ...POD, ...CLAIMS })).toContain(detail);
  });

  it.each(['Throttling', 'ECONNREFUSED', 'StsTimeout', 'InternalFailure', 'Unknown'])(
    '%s is retried, not a human fix',
    (code) => expect(fixFor(code, POD)).toBeUndefined(),
  );

  it('termination message: reason, message and fix on one line', () => {
    const text = terminationMessage(
      { code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' },
      { ...POD, ...CLAIMS },
    );
    expect(text).toMatch(
      /^AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\. Fix: the trust policy of arn:/,
    );
    expect(text).not.toContain('\n');
  });

  it('termination message of a transient failure that lasted until the kill: where to look', () => {
    expect(
      terminationMessage(
        { code: 'StsTimeout', message: 'STS did not answer within 10000 ms; call aborted' },
        POD,
      ),
    ).toBe(
      'StsTimeout: STS did not answer within 10000 ms; call aborted. Fix: retried with backoff without success: check ' +
        'that the pod reaches the STS endpoint (network policies, egress proxy, DNS) and see kubectl logs <pod> -c imds-emulator',
    );
  });

  it('termination message: a token in the peer message is redacted and an oversized message is cut, the fix kept', () => {
    const token = serviceAccountJwt();
    const text = terminationMessage(
      { code: 'InvalidIdentityToken', message: `bad token ${token} ${'x'.repeat(10_000)}` },
      { ...POD, ...CLAIMS },
    );
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).toContain('<token redacted>');
    expect(text).toContain('Fix: STS rejected the service-account token');
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TERMINATION_MESSAGE_BYTES);
  });

  it('termination message: never over the cap, even with a 2048-character role ARN, cut at a character boundary', () => {
    const long = parseRoleArn(`arn:aws:iam::123456789012:role/${'p/'.repeat(200)}r`);
    const text = terminationMessage(
      { code: 'AccessDenied', message: 'é'.repeat(1000) },
      { ...POD, ...CLAIMS, role: long, namespace: 'é'.repeat(2000) },
    );
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_TERMINATION_MESSAGE_BYTES);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toContain('\uFFFD');
  });

  it('token claims: issuer and audience of a projected token; nothing from a non-token', () => {
    const token = serviceAccountJwt({ audience: 'my-aud' });
    expect(tokenClaims(`${token}\n`)).toEqual({
      issuer: 'https://oidc.test.invalid/cluster',
      audience: 'my-aud',
    });
    expect(tokenClaims('not a token')).toEqual({});
    expect(tokenClaims('a.!!!.c')).toEqual({});
    expect(tokenClaims('')).toEqual({});
    const weird = `h.${Buffer.from(JSON.stringify({ iss: 'has space', aud: [1] })).toString('base64url')}.s`;
    expect(tokenClaims(weird)).toEqual({ issuer: undefined, audience: undefined });
  });
});
