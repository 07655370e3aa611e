import { X509Certificate } from 'node:crypto';
import { generateCa, issueServingCert, type KeyPairPem } from '../../../emulator/src/webhook/certs/generate';
import {
  type CertMaterial,
  computeBundle,
  issuedAt,
  type PlanOptions,
  planRenewal,
  splitPem,
} from '../../../emulator/src/webhook/certs/plan';
import { caBundlePatch, webhooksTrust } from '../../../emulator/src/webhook/certs/webhook-bundle';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const s = (seconds: number) => T0 + seconds * 1000;
const DNS = ['svc', 'svc.ns', 'svc.ns.svc', 'svc.ns.svc.cluster.local'];
const CA_VALIDITY = 9000; // lifetime incl. 300 s backdating: 9300 s, renewal window opens at T+5900
const CERT_VALIDITY = 3000; // lifetime 3300 s, renewal window opens at T+1900
const options = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  dnsNames: DNS,
  propagationSeconds: 120,
  webhookTrustsSigner: true,
  ...over,
});

let ca: KeyPairPem;
let serving: KeyPairPem;
let material: CertMaterial;

beforeAll(async () => {
  ca = await generateCa('test-ca', new Date(T0), CA_VALIDITY);
  serving = await issueServingCert(ca, DNS, new Date(T0), CERT_VALIDITY);
  material = {
    caBundlePem: ca.certPem,
    caKeyPem: ca.keyPem,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
  };
});

describe('planRenewal', () => {
  it('creates everything when there is nothing', () => {
    expect(planRenewal(undefined, T0, options())).toEqual({ kind: 'create', reason: 'no certificate yet' });
  });

  it('keeps a fresh pair', () => {
    expect(planRenewal(material, s(1), options())).toEqual({ kind: 'none' });
    expect(planRenewal(material, s(1899), options())).toEqual({ kind: 'none' });
  });

  it('re-issues the serving certificate once less than a third of its lifetime is left', () => {
    expect(planRenewal(material, s(1901), options())).toMatchObject({ kind: 'reissue' });
  });

  it('re-issues when the DNS names changed', () => {
    expect(planRenewal(material, s(1), options({ dnsNames: ['other', ...DNS.slice(1)] }))).toEqual({
      kind: 'reissue',
      reason: 'the DNS names changed',
    });
  });

  it('starts over when the Secret holds a mismatched or unreadable key', async () => {
    const other = await generateCa('other', new Date(T0), CA_VALIDITY);
    expect(planRenewal({ ...material, caKeyPem: other.keyPem }, s(1), options())).toEqual({
      kind: 'create',
      reason: 'ca.key does not match the first CA of ca.crt',
    });
    expect(planRenewal({ ...material, keyPem: other.keyPem }, s(1), options())).toMatchObject({
      kind: 'create',
    });
    expect(planRenewal({ ...material, caBundlePem: 'garbage' }, s(1), options())).toMatchObject({
      kind: 'create',
    });
    expect(planRenewal({ ...material, keyPem: 'garbage' }, s(1), options())).toMatchObject({
      kind: 'create',
    });
  });

  it('re-issues a serving certificate no CA of the bundle signed', async () => {
    const stranger = await generateCa('stranger', new Date(T0), CA_VALIDITY);
    const foreign = await issueServingCert(stranger, DNS, new Date(T0), CERT_VALIDITY);
    expect(
      planRenewal({ ...material, certPem: foreign.certPem, keyPem: foreign.keyPem }, s(1), options()),
    ).toEqual({
      kind: 'reissue',
      reason: 'the serving certificate is not signed by a CA of the bundle',
    });
  });

  it('starts over once the signing CA has expired', () => {
    expect(planRenewal(material, s(9001), options())).toEqual({
      kind: 'create',
      reason: 'the signing CA has expired',
    });
  });

  it('rolls the CA over in two steps, keeping the old CA trusted', async () => {
    // The serving certificate was last renewed at T+5800, still under the old CA.
    const late = await issueServingCert(ca, DNS, new Date(s(5800)), CERT_VALIDITY);
    const before = { ...material, certPem: late.certPem, keyPem: late.keyPem };
    expect(planRenewal(before, s(5899), options())).toEqual({ kind: 'none' });
    expect(planRenewal(before, s(5901), options())).toMatchObject({ kind: 'rotate-ca' });

    // Step 1: a new signing CA joins the bundle; the serving pair stays.
    const next = await generateCa('next-ca', new Date(s(5901)), CA_VALIDITY);
    const rolled = {
      ...before,
      caBundlePem: computeBundle(next.certPem, before.caBundlePem, s(5901)),
      caKeyPem: next.keyPem,
    };
    expect(splitPem(rolled.caBundlePem)).toEqual([next.certPem, ca.certPem]);

    // Step 2 waits until the webhook configuration trusts the new CA and the propagation delay has passed.
    expect(planRenewal(rolled, s(5902), options({ webhookTrustsSigner: false }))).toEqual({ kind: 'none' });
    expect(planRenewal(rolled, s(5902), options())).toEqual({ kind: 'none' });
    expect(planRenewal(rolled, s(5901 + 121), options({ webhookTrustsSigner: false }))).toEqual({
      kind: 'none',
    });
    expect(planRenewal(rolled, s(5901 + 121), options())).toEqual({
      kind: 'reissue',
      reason: 'moving the serving certificate to the new CA',
    });

    const moved = await issueServingCert(next, DNS, new Date(s(8000)), CERT_VALIDITY);
    const after = { ...rolled, certPem: moved.certPem, keyPem: moved.keyPem };
    expect(planRenewal(after, s(8001), options())).toEqual({ kind: 'none' });
    // The old CA stays in the bundle until it expires, then is pruned.
    expect(planRenewal(after, s(9001), options())).toEqual({
      kind: 'prune',
      reason: 'an old CA has expired',
    });
    expect(splitPem(computeBundle(next.certPem, after.caBundlePem, s(9001)))).toEqual([next.certPem]);
  });
});

describe('certificates made for self-managed mode', () => {
  it('carry the Service DNS names, serverAuth, and the backdated validity', () => {
    const cert = new X509Certificate(serving.certPem);
    expect(cert.subjectAltName).toBe(DNS.map((d) => `DNS:${d}`).join(', '));
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(new X509Certificate(ca.certPem).ca).toBe(true);
    expect(Date.parse(cert.validFrom)).toBe(T0 - 300_000);
    expect(issuedAt(cert)).toBe(T0);
  });

  it('undo short backdating too (a tenth of the lifetime)', async () => {
    const short = await generateCa('short', new Date(T0), 100);
    const cert = new X509Certificate(short.certPem);
    expect(Date.parse(cert.validFrom)).toBe(T0 - 10_000);
    expect(issuedAt(cert)).toBe(T0);
  });
});

describe('computeBundle', () => {
  it('puts the signer first, keeps unexpired CAs once, drops expired ones', async () => {
    const old = await generateCa('old', new Date(T0), 100);
    const newer = await generateCa('newer', new Date(T0), CA_VALIDITY);
    const previous = old.certPem + ca.certPem + ca.certPem;
    expect(splitPem(computeBundle(newer.certPem, previous, s(50)))).toEqual([
      newer.certPem,
      old.certPem,
      ca.certPem,
    ]);
    expect(splitPem(computeBundle(newer.certPem, previous, s(101)))).toEqual([newer.certPem, ca.certPem]);
    expect(splitPem(computeBundle(ca.certPem, previous, s(101)))).toEqual([ca.certPem]);
  });
});

describe('caBundle patch of the MutatingWebhookConfiguration', () => {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');

  it('writes only the webhooks that differ, each guarded by a test of its name', () => {
    const { ops, stale } = caBundlePatch(
      [
        { name: 'a.imds' },
        { name: 'b.imds', caBundle: b64(ca.certPem) },
        { name: 'c.imds', caBundle: 'Zm9v' },
      ],
      ca.certPem,
    );
    expect(stale).toBe(false);
    expect(ops).toEqual([
      { op: 'test', path: '/webhooks/0/name', value: 'a.imds' },
      { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: b64(ca.certPem) },
      { op: 'test', path: '/webhooks/2/name', value: 'c.imds' },
      { op: 'replace', path: '/webhooks/2/clientConfig/caBundle', value: b64(ca.certPem) },
    ]);
    expect(caBundlePatch([{ name: 'b', caBundle: b64(ca.certPem) }], ca.certPem).ops).toEqual([]);
  });

  it('refuses to roll back a bundle that already trusts a newer CA', async () => {
    const newer = await generateCa('newer', new Date(s(10)), CA_VALIDITY);
    expect(caBundlePatch([{ name: 'a', caBundle: b64(newer.certPem + ca.certPem) }], ca.certPem)).toEqual({
      ops: [],
      stale: true,
    });
    // An older unknown CA is simply replaced.
    expect(caBundlePatch([{ name: 'a', caBundle: b64(ca.certPem) }], newer.certPem).stale).toBe(false);
  });

  it('knows whether every webhook trusts a CA', () => {
    expect(webhooksTrust([{ name: 'a', caBundle: b64(ca.certPem) }], ca.certPem)).toBe(true);
    expect(webhooksTrust([{ name: 'a', caBundle: b64(ca.certPem) }, { name: 'b' }], ca.certPem)).toBe(false);
    expect(webhooksTrust([], ca.certPem)).toBe(false);
  });
});
