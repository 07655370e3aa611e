/** `--serve-region`: the region answers (pure module), how the router serves them, and the flags that turn them on. */
import type { RawFlags } from '../../emulator/src/common/flags';
import { parseSidecarConfig } from '../../emulator/src/sidecar/config';
import { renderCredentials } from '../../emulator/src/sidecar/credentials-document';
import { regionAnswers, zoneInRegion } from '../../emulator/src/sidecar/identity-document';
import { createImdsRouter, type ImdsResponse } from '../../emulator/src/sidecar/imds-router';
import { ImdsTokens } from '../../emulator/src/sidecar/imds-tokens';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const ROLE = 'arn:aws:iam::123456789012:role/team/app-role';

describe('identity document', () => {
  it('holds only the account, the region and a known zone, so nothing can pass it off as an instance', () => {
    const withZone = JSON.parse(
      regionAnswers('eu-west-1', '123456789012', 'eu-west-1b').document.body.toString(),
    );
    expect(withZone).toEqual({
      accountId: '123456789012',
      region: 'eu-west-1',
      availabilityZone: 'eu-west-1b',
    });
    const without = JSON.parse(
      regionAnswers('eu-west-1', '123456789012', undefined).document.body.toString(),
    );
    expect(without).toEqual({ accountId: '123456789012', region: 'eu-west-1' });
  });

  it('takes a zone only when it lies in the region: its region plus one letter', () => {
    expect(zoneInRegion('eu-west-1', 'eu-west-1a')).toBe('eu-west-1a');
    expect(zoneInRegion('us-east-1', 'us-east-1f')).toBe('us-east-1f');
    for (const zone of [
      'eu-west-2a',
      'eu-west-1',
      'eu-west-1ab',
      'eu-west-1-bos-1a',
      'us-east-1a',
      undefined,
    ]) {
      expect([zone, zoneInRegion('eu-west-1', zone)]).toEqual([zone, undefined]);
    }
    expect(regionAnswers('eu-west-1', '123456789012', 'us-east-1a').availabilityZone).toBeUndefined();
  });
});

function router(serve: { zone?: string } | undefined, httpTokens: 'optional' | 'required' = 'optional') {
  const tokens = new ImdsTokens();
  const served = renderCredentials(
    {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 's',
      sessionToken: 't',
      expiration: new Date(NOW + 3600_000),
    },
    '123456789012',
    NOW,
  );
  const route = createImdsRouter({
    roleName: 'app-role',
    httpTokens,
    tokens,
    regionAnswers: serve ? regionAnswers('eu-west-1', '123456789012', serve.zone) : undefined,
    credentials: () => served,
    now: () => NOW,
  });
  return (method: string, url: string, token?: string, ttl?: string): ImdsResponse =>
    route({ method, url, forwarded: false, token, ttl });
}

const answer = (res: ImdsResponse) => [res.status, res.body.toString()];
const PATHS = [
  '/latest/meta-data/placement/region',
  '/latest/meta-data/placement/availability-zone/',
  '/latest/dynamic/instance-identity/document',
];

describe('IMDS router: region answers', () => {
  it('answers 404 on every region path when --serve-region is off (the GKE default)', () => {
    const call = router(undefined);
    for (const path of PATHS) expect([path, call('GET', path).status]).toEqual([path, 404]);
  });

  it('serves the region and the document under latest and dated versions, with and without slash', () => {
    const call = router({});
    for (const version of ['latest', '2016-09-02']) {
      for (const suffix of ['', '/']) {
        expect(answer(call('GET', `/${version}/meta-data/placement/region${suffix}`))).toEqual([
          200,
          'eu-west-1',
        ]);
        const doc = call('GET', `/${version}/dynamic/instance-identity/document${suffix}`);
        expect(doc.status).toBe(200);
        expect(doc.pathClass).toBe('identity');
        expect(JSON.parse(doc.body.toString()).region).toBe('eu-west-1');
      }
    }
  });

  it('answers the zone only when it is known, botocore’s trailing-slash path included', () => {
    expect(router({})('GET', '/latest/meta-data/placement/availability-zone/').status).toBe(404);
    const call = router({ zone: 'eu-west-1c' });
    for (const path of [
      '/latest/meta-data/placement/availability-zone',
      '/latest/meta-data/placement/availability-zone/',
    ])
      expect(answer(call('GET', path))).toEqual([200, 'eu-west-1c']);
  });

  it('keeps other placement and identity paths 404 (nothing can be signed or invented)', () => {
    const call = router({ zone: 'eu-west-1c' });
    for (const path of [
      '/latest/meta-data/placement/',
      '/latest/meta-data/placement/availability-zone-id',
      '/latest/dynamic/instance-identity/',
      '/latest/dynamic/instance-identity/signature',
      '/latest/dynamic/instance-identity/pkcs7',
      '/latest/meta-data/instance-id',
      '/latest/dynamic/instance-identity/document/x',
    ])
      expect([path, call('GET', path).status]).toEqual([path, 404]);
  });

  it('applies the IMDSv2 rules: 401 without a token when required, and for a forged token', () => {
    const call = router({}, 'required');
    for (const path of PATHS.filter((p) => !p.includes('zone'))) {
      expect(call('GET', path).status).toBe(401);
      expect(call('GET', path, 'forged').status).toBe(401);
      const token = call('PUT', '/latest/api/token', undefined, '60').body.toString();
      expect(call('GET', path, token).status).toBe(200);
    }
    expect(router({})('POST', '/latest/meta-data/placement/region').status).toBe(405);
  });
});

describe('sidecar flags --serve-region and --availability-zone', () => {
  const parse = (raw: RawFlags) => parseSidecarConfig({ 'role-arn': ROLE, ...raw }, {}, 'host');

  it('is off by default and on with true', () => {
    expect(parse({}).serveRegion).toBe(false);
    expect(parse({ 'serve-region': 'false' }).serveRegion).toBe(false);
    expect(parse({ 'serve-region': 'true', 'availability-zone': 'us-east-1d' })).toMatchObject({
      serveRegion: true,
      availabilityZone: 'us-east-1d',
    });
  });

  it('refuses other values, naming the flag and its variable', () => {
    expect(() => parse({ 'serve-region': 'yes' })).toThrow(
      '--serve-region (IMDS_EMULATOR_SERVE_REGION): must be one of true, false, got "yes"',
    );
    expect(() => parse({ 'availability-zone': 'us east 1a' })).toThrow(
      '--availability-zone (IMDS_EMULATOR_AVAILABILITY_ZONE): must be a zone name such as "eu-west-1a" (a Kubernetes label value), got "us east 1a"',
    );
    // Any node label value starts the sidecar (a Local Zone too); only a zone of --region is served.
    expect(parse({ 'availability-zone': 'us-east-1-bos-1a' }).availabilityZone).toBe('us-east-1-bos-1a');
  });
});
