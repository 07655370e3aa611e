import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { renderCredentials } from '../../emulator/src/sidecar/credentials-document';
import {
  createImdsRouter,
  type ImdsRequest,
  type ImdsResponse,
  type ImdsState,
} from '../../emulator/src/sidecar/imds-router';
import { ImdsTokens } from '../../emulator/src/sidecar/imds-tokens';
import { imdsRequest } from '../../emulator/src/sidecar/servers';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const EXPIRES = new Date(NOW + 3600_000);

function setup(options: Partial<Pick<ImdsState, 'httpTokens'>> & { held?: boolean } = {}) {
  let now = NOW;
  const tokens = new ImdsTokens();
  const served = renderCredentials(
    { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session', expiration: EXPIRES },
    '123456789012',
    NOW - 1000,
  );
  const route = createImdsRouter({
    roleName: 'my-role',
    httpTokens: options.httpTokens ?? 'optional',
    tokens,
    credentials: () => (options.held === false ? undefined : served),
    now: () => now,
  });
  const call = (method: string, url: string, headers: Record<string, string> = {}): ImdsResponse =>
    route({
      method,
      url,
      forwarded: headers['x-forwarded-for'] !== undefined,
      token: headers['x-aws-ec2-metadata-token'],
      ttl: headers['x-aws-ec2-metadata-token-ttl-seconds'],
    });
  const token = (ttl = '21600') => {
    const res = call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl });
    expect(res.status).toBe(200);
    return String(res.body);
  };
  return { call, token, advance: (ms: number) => (now += ms) };
}

const text = (res: ImdsResponse) => res.body.toString();

describe('IMDS router: credential paths', () => {
  it('lists exactly the role name with no trailing newline, for latest and dated versions, with and without slash', () => {
    const { call } = setup();
    for (const path of [
      '/latest/meta-data/iam/security-credentials/',
      '/latest/meta-data/iam/security-credentials',
      '/2012-01-12/meta-data/iam/security-credentials/',
      '/latest/meta-data/iam/security-credentials-extended/',
      '/latest/meta-data/iam/security-credentials-extended',
      '/latest/meta-data/iam/security-credentials/?x=1',
    ]) {
      const res = call('GET', path);
      expect([path, res.status, text(res)]).toEqual([path, 200, 'my-role']);
    }
  });

  it('serves the credentials document with the fields and formats SDKs require', () => {
    const res = setup().call('GET', '/latest/meta-data/iam/security-credentials/my-role');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe((res.body as Buffer).length);
    expect(JSON.parse(text(res))).toEqual({
      Code: 'Success',
      LastUpdated: '2025-12-31T23:59:59Z',
      Type: 'AWS-HMAC',
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: 'secret',
      Token: 'session',
      Expiration: '2026-01-01T01:00:00Z',
    });
  });

  it('serves the extended document with AccountId', () => {
    const res = setup().call('GET', '/2021-07-15/meta-data/iam/security-credentials-extended/my-role');
    expect(res.status).toBe(200);
    expect(JSON.parse(text(res))).toMatchObject({ AccessKeyId: 'ASIAEXAMPLE', AccountId: '123456789012' });
  });

  it('answers 404 for every other path, including other roles and malformed versions', () => {
    const { call } = setup();
    for (const path of [
      '/',
      '/latest/meta-data/',
      '/latest/meta-data/instance-id',
      '/latest/meta-data/iam/info',
      '/latest/meta-data/iam/security-credentials/other-role',
      '/latest/meta-data/iam/security-credentials/my-role/',
      '/2012-1-12/meta-data/iam/security-credentials/',
      '/latest/user-data',
      '/2012-01-12/api/token',
    ]) {
      expect([path, call('GET', path).status]).toEqual([path, 404]);
    }
  });

  it('answers 405 for methods not used on known paths', () => {
    const { call } = setup();
    expect(call('POST', '/latest/meta-data/iam/security-credentials/').status).toBe(405);
    expect(call('PUT', '/latest/meta-data/iam/security-credentials/my-role').status).toBe(405);
    const get = call('GET', '/latest/api/token');
    expect([get.status, get.headers.allow]).toEqual([405, 'PUT']);
    expect(call('DELETE', '/nowhere').status).toBe(404);
  });

  it('answers 503 (not 4xx) when no credentials are held, and for held credentials that have expired', () => {
    expect(
      setup({ held: false }).call('GET', '/latest/meta-data/iam/security-credentials/my-role').status,
    ).toBe(503);
    const { call, advance } = setup();
    advance(3600_000);
    expect(call('GET', '/latest/meta-data/iam/security-credentials/my-role').status).toBe(503);
  });
});

describe('IMDS router: IMDSv2 rules', () => {
  it('issues a token and echoes the TTL header', () => {
    const res = setup().call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '300' });
    expect(res.status).toBe(200);
    expect(res.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('300');
    expect(text(res).length).toBeGreaterThan(20);
  });

  it('answers 400 exactly when the TTL header is missing or outside 1..21600', () => {
    const { call } = setup();
    for (const ttl of [undefined, '0', '21601', '-5', '1.5', 'abc', '', '999999']) {
      const headers: Record<string, string> =
        ttl === undefined ? {} : { 'x-aws-ec2-metadata-token-ttl-seconds': ttl };
      expect([ttl, call('PUT', '/latest/api/token', headers).status]).toEqual([ttl, 400]);
    }
    for (const ttl of ['1', '21600']) {
      expect(call('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }).status).toBe(
        200,
      );
    }
  });

  it('refuses requests carrying X-Forwarded-For, on the token and on metadata', () => {
    const { call, token } = setup();
    const xff = { 'x-forwarded-for': '10.0.0.1' };
    expect(
      call('PUT', '/latest/api/token', { ...xff, 'x-aws-ec2-metadata-token-ttl-seconds': '60' }).status,
    ).toBe(403);
    const t = token();
    const res = call('GET', '/latest/meta-data/iam/security-credentials/my-role', {
      ...xff,
      'x-aws-ec2-metadata-token': t,
    });
    expect(res.status).toBe(403);
  });

  it('accepts a valid token, rejects a forged or expired one with 401', () => {
    const { call, token, advance } = setup();
    const path = '/latest/meta-data/iam/security-credentials/my-role';
    const t = token('2');
    expect(call('GET', path, { 'x-aws-ec2-metadata-token': t }).status).toBe(200);
    const forged = `${t.slice(0, -2)}AA`;
    expect(call('GET', path, { 'x-aws-ec2-metadata-token': forged }).status).toBe(401);
    expect(call('GET', path, { 'x-aws-ec2-metadata-token': 'garbage' }).status).toBe(401);
    advance(2000);
    expect(call('GET', path, { 'x-aws-ec2-metadata-token': t }).status).toBe(401);
  });

  it('rejects a token issued by another sidecar process', () => {
    const a = setup();
    const b = setup();
    const res = b.call('GET', '/latest/meta-data/iam/security-credentials/', {
      'x-aws-ec2-metadata-token': a.token(),
    });
    expect(res.status).toBe(401);
  });

  it('with http-tokens required, a GET without a token gets 401 and one with a token succeeds', () => {
    const { call, token } = setup({ httpTokens: 'required' });
    const path = '/latest/meta-data/iam/security-credentials/my-role';
    expect(call('GET', path).status).toBe(401);
    expect(call('GET', path, { 'x-aws-ec2-metadata-token': token() }).status).toBe(200);
  });

  it('counts a 401 under the path it refused, not as other', () => {
    const { call } = setup({ httpTokens: 'required' });
    expect(call('GET', '/latest/meta-data/iam/security-credentials/my-role')).toMatchObject({
      status: 401,
      pathClass: 'credentials',
    });
    expect(call('GET', '/latest/meta-data/iam/security-credentials/')).toMatchObject({
      status: 401,
      pathClass: 'list',
    });
    expect(call('GET', '/latest/meta-data/instance-id')).toMatchObject({ status: 401, pathClass: 'other' });
  });

  it('with http-tokens optional, a GET without a token succeeds (IMDSv1)', () => {
    expect(setup().call('GET', '/latest/meta-data/iam/security-credentials/my-role').status).toBe(200);
  });
});

/** imdsRequest() of the request that Node's HTTP server parses from `head` (request line and header lines). */
async function parsed(headerLines: string[]): Promise<ImdsRequest> {
  let seen: ImdsRequest | undefined;
  const server = createServer((req, res) => {
    seen = imdsRequest(req);
    res.end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end(['GET /x HTTP/1.1', 'Host: h', 'Connection: close', ...headerLines, '', ''].join('\r\n'));
    socket.resume();
    await new Promise((done) => socket.once('close', done));
  } finally {
    server.close();
  }
  if (seen === undefined) throw new Error('the server saw no request');
  return seen;
}

describe('IMDS headers of a request parsed by Node', () => {
  it('picks the token, the TTL and the presence of X-Forwarded-For', async () => {
    expect(
      await parsed(['x-aws-ec2-metadata-token: abc', 'x-aws-ec2-metadata-token-ttl-seconds: 60']),
    ).toEqual({
      method: 'GET',
      url: '/x',
      forwarded: false,
      token: 'abc',
      ttl: '60',
    });
    expect((await parsed(['x-forwarded-for: 10.0.0.1'])).forwarded).toBe(true);
    expect(await parsed([])).toEqual({
      method: 'GET',
      url: '/x',
      forwarded: false,
      token: undefined,
      ttl: undefined,
    });
  });

  it('matches header names in any case, as HTTP requires', async () => {
    expect(
      await parsed([
        'X-Aws-Ec2-Metadata-Token: abc',
        'X-AWS-EC2-METADATA-TOKEN-TTL-SECONDS: 5',
        'X-Forwarded-For: 1.2.3.4',
      ]),
    ).toEqual({ method: 'GET', url: '/x', forwarded: true, token: 'abc', ttl: '5' });
  });

  it('joins a repeated header with ", ", so a doubled token or TTL is not taken as valid', async () => {
    const twice = await parsed([
      'x-aws-ec2-metadata-token: a',
      'X-aws-ec2-metadata-token: b',
      'x-aws-ec2-metadata-token-ttl-seconds: 60',
      'x-aws-ec2-metadata-token-ttl-seconds: 60',
    ]);
    expect([twice.token, twice.ttl]).toEqual(['a, b', '60, 60']);
    expect(ImdsTokens.parseTtl(twice.ttl)).toBeUndefined();
    const { call, token } = setup();
    expect(
      call('GET', '/latest/meta-data/iam/security-credentials/my-role', {
        'x-aws-ec2-metadata-token': `${token()}, ${token()}`,
      }).status,
    ).toBe(401);
  });

  it('ignores headers whose names only share a prefix with the IMDS ones', async () => {
    expect(
      await parsed(['x-forwarded-fox: 1', 'x-aws-ec2-metadata-tokens: z', 'x-aws-ec2-metadata-toke: y']),
    ).toEqual({ method: 'GET', url: '/x', forwarded: false, token: undefined, ttl: undefined });
  });
});
