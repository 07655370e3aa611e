/**
 * Real AWS clients (JS v3, JS v2, botocore/boto3 in two versions, aws CLI v1 and v2) against the running sidecar,
 * which gets its credentials from a real STS (moto). Each client must end up with exactly the served credentials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMoto, startMoto } from '../support/moto';
import {
  ALL_CLIENTS,
  AWS_CLI_V1,
  AWS_CLI_V2,
  BOTO3,
  type Client,
  clientEnv,
  JS_V2,
  JS_V3_IMDS,
  missingTools,
  run,
} from './clients';
import {
  type Credentials,
  http,
  metric,
  type Relay,
  served,
  startRelay,
  startTestSidecar,
  type TempDir,
  type TestSidecar,
  tempDir,
} from './harness';

const triple = (c: Credentials) => ({
  AccessKeyId: c.AccessKeyId,
  SecretAccessKey: c.SecretAccessKey,
  Token: c.Token,
});
const CREDS_V1 = { path: 'credentials', status: '200', imds: 'v1' };
const CREDS_V2 = { path: 'credentials', status: '200', imds: 'v2' };

describe('real AWS clients against the sidecar', () => {
  let moto: RunningMoto;
  let dir: TempDir;
  let home: string;
  let optional: TestSidecar;
  let required: TestSidecar;
  /** In front of the optional sidecar: refuses the token PUT with 403, as a blocked IMDSv2 would, forcing v1. */
  let v1Only: Relay;

  beforeAll(async () => {
    dir = tempDir();
    dir.writeToken();
    home = mkdtempSync(join(tmpdir(), 'imds-client-home-'));
    moto = await startMoto();
    optional = await startTestSidecar({ 'token-file': dir.tokenFile, 'sts-endpoint': moto.endpoint });
    required = await startTestSidecar({
      'token-file': dir.tokenFile,
      'sts-endpoint': moto.endpoint,
      'http-tokens': 'required',
      'pod-name': 'app-2',
    });
    await Promise.all([optional.sidecar.ready, required.sidecar.ready]);
    v1Only = await startRelay(optional.endpoint, (req) =>
      req.method === 'PUT' && req.path.startsWith('/latest/api/token')
        ? { status: 403, body: 'Forbidden' }
        : undefined,
    );
  });

  afterAll(async () => {
    await v1Only?.stop();
    await optional?.stop();
    await required?.stop();
    await moto?.stop();
    dir?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('has every client installed (scripts/install-test-deps.sh)', () => {
    expect(missingTools()).toEqual([]);
  });

  it.each(ALL_CLIENTS.map((c) => [c.name, c] as const))(
    '%s: IMDSv2 flow yields exactly the served credentials',
    async (_name, client: Client) => {
      const tokensBefore = await metric(optional.health, 'imds_emulator_imds_requests_total', {
        path: 'token',
      });
      const credsBefore = await metric(optional.health, 'imds_emulator_imds_requests_total', CREDS_V2);
      const got = await client.credentials(optional.endpoint, home);
      expect(got).toMatchObject(triple(await served(optional.endpoint)));
      expect(
        await metric(optional.health, 'imds_emulator_imds_requests_total', { path: 'token' }),
      ).toBeGreaterThan(tokensBefore);
      expect(await metric(optional.health, 'imds_emulator_imds_requests_total', CREDS_V2)).toBeGreaterThan(
        credsBefore,
      );
    },
  );

  it.each(ALL_CLIENTS.map((c) => [c.name, c] as const))(
    '%s: IMDSv1 fallback flow (token PUT refused) yields exactly the served credentials',
    async (_name, client: Client) => {
      const refusedBefore = v1Only.requests.filter((r) => r.method === 'PUT').length;
      const credsBefore = await metric(optional.health, 'imds_emulator_imds_requests_total', CREDS_V1);
      const got = await client.credentials(v1Only.endpoint, home);
      expect(got).toMatchObject(triple(await served(optional.endpoint)));
      expect(v1Only.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThan(refusedBefore);
      expect(await metric(optional.health, 'imds_emulator_imds_requests_total', CREDS_V1)).toBeGreaterThan(
        credsBefore,
      );
    },
  );

  it.each(ALL_CLIENTS.map((c) => [c.name, c] as const))(
    '%s: with --http-tokens required, still obtains exactly the served credentials',
    async (_name, client: Client) => {
      const got = await client.credentials(required.endpoint, home);
      expect(got).toMatchObject(triple(await served(required.endpoint, true)));
    },
  );

  it('with --http-tokens required, a plain IMDSv1 GET gets 401', async () => {
    const answer = await http(`${required.endpoint}/latest/meta-data/iam/security-credentials/app-role`);
    expect(answer.status).toBe(401);
    const listing = await http(`${required.endpoint}/latest/meta-data/iam/security-credentials/`);
    expect(listing.status).toBe(401);
  });

  it.each([JS_V3_IMDS, JS_V2, BOTO3, AWS_CLI_V2].map((c) => [c.name, c] as const))(
    '%s: over IPv6 loopback http://[::1]:port',
    async (_name, client: Client) => {
      const got = await client.credentials(`http://[::1]:${optional.sidecar.imdsPort}`, home);
      expect(got).toMatchObject(triple(await served(optional.endpoint)));
    },
  );

  describe('aws CLI v1 (no export-credentials): the keys it signs STS calls with', () => {
    let stsRelay: Relay;
    beforeAll(async () => {
      stsRelay = await startRelay(moto.endpoint);
    });
    afterAll(() => stsRelay?.stop());

    it.each([
      ['IMDSv2', () => optional.endpoint],
      ['IMDSv1 fallback', () => v1Only.endpoint],
    ])(
      '%s: get-caller-identity is signed with the served keys and names the pod session',
      async (_flow, endpoint) => {
        const result = await run(
          AWS_CLI_V1,
          ['sts', 'get-caller-identity', '--endpoint-url', stsRelay.endpoint, '--output', 'json'],
          clientEnv(home, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint(), AWS_DEFAULT_REGION: 'us-east-1' }),
        );
        expect(result.stderr).toBe('');
        expect(JSON.parse(result.stdout).Arn).toBe(
          'arn:aws:sts::123456789012:assumed-role/app-role/ns.app-1',
        );
        const expected = await served(optional.endpoint);
        const signed = stsRelay.requests[stsRelay.requests.length - 1];
        expect(String(signed.headers.authorization)).toContain(`Credential=${expected.AccessKeyId}/`);
        expect(signed.headers['x-amz-security-token']).toBe(expected.Token);
      },
    );
  });
});
