/**
 * The env redirect only works if real AWS clients follow the AWS_EC2_METADATA_SERVICE_ENDPOINT value the webhook
 * writes. This runs botocore, the JavaScript SDK v3 and v2 in child processes with exactly that value (taken from the
 * patch) and a small IMDS double on loopback, and checks each fetched credentials from it; then Debian's aws CLI v2
 * (2.9, which joins the endpoint to the path without a slash) and JS v2 (which adds one: `//latest/…`) against a real
 * sidecar holding credentials from a real STS (moto), with the endpoint the webhook writes for that sidecar's port.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JS_V2, missingTools, run as runClient, clientEnv as scrubbedEnv } from '../../sidecar/clients';
import { startTestSidecar, type TempDir, type TestSidecar, tempDir } from '../../sidecar/harness';
import { type RunningMoto, startMoto } from '../../support/moto';
import { type Json, P, podWith, run } from './support';

const ACCESS_KEY = 'ASIAENVMODETEST00001';

/** Just enough IMDS for a credential fetch (IMDSv2 token, role listing, credentials); records what it was asked. */
function imdsDouble(requests: string[]): Server {
  return createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    // As the sidecar does: a client that adds its own slash to the endpoint's asks for `//latest/…`.
    if (req.url?.startsWith('//')) req.url = req.url.slice(1);
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      res.writeHead(200, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }).end('test-token');
    } else if (req.url === '/latest/meta-data/iam/security-credentials/') {
      res.writeHead(200).end('app');
    } else if (req.url === '/latest/meta-data/iam/security-credentials/app') {
      const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          Code: 'Success',
          Type: 'AWS-HMAC',
          AccessKeyId: ACCESS_KEY,
          SecretAccessKey: 'secret',
          Token: 'session',
          Expiration: expiration,
          LastUpdated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        }),
      );
    } else {
      res.writeHead(404).end();
    }
  });
}

let server: Server;
let requests: string[];
let endpoint: string;
let home: string;

beforeAll(async () => {
  requests = [];
  server = imdsDouble(requests);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const { patched } = run(podWith({ [`${P}redirect`]: 'env' }), {
    settings: { sidecarPort: port, sidecarHealthPort: port === 65535 ? 1024 : port + 1 },
  });
  endpoint = patched.spec.containers[0].env.find(
    (e: Json) => e.name === 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  ).value;
  home = mkdtempSync(join(tmpdir(), 'imds-env-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

/** A clean environment: no credentials or profiles that would win over IMDS, no proxy, only the injected endpoint. */
function clientEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint,
  };
}

function exec(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: clientEnv(), timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} failed: ${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

test('the injected value is the sidecar port on IPv4 loopback, with a trailing slash', () => {
  expect(endpoint).toBe(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

test.each([
  [
    'botocore (python)',
    'python3',
    ['-c', 'import botocore.session; print(botocore.session.get_session().get_credentials().access_key)'],
  ],
  [
    'AWS SDK for JavaScript v3',
    process.execPath,
    [
      '-e',
      "require('@aws-sdk/credential-providers').fromInstanceMetadata()().then((c) => console.log(c.accessKeyId))",
    ],
  ],
  [
    'AWS SDK for JavaScript v2',
    process.execPath,
    [
      '-e',
      "const AWS = require('aws-sdk'); const c = new AWS.EC2MetadataCredentials(); " +
        'c.get((e) => { if (e) throw e; console.log(c.accessKeyId); })',
    ],
  ],
])('%s fetches credentials from the injected endpoint', async (_name, file, args) => {
  const before = requests.length;
  await expect(exec(file, args)).resolves.toBe(ACCESS_KEY);
  expect(
    requests
      .slice(before)
      .filter((r) => /^GET \/{1,2}latest\/meta-data\/iam\/security-credentials\/app$/.test(r)),
  ).not.toHaveLength(0);
});

/** The endpoint the webhook writes into a pod whose sidecar listens on `port`. */
function injectedEndpoint(port: number): string {
  const { patched } = run(podWith({ [`${P}redirect`]: 'env' }), {
    settings: { sidecarPort: port, sidecarHealthPort: port === 65535 ? 1024 : port + 1 },
  });
  return patched.spec.containers[0].env.find((e: Json) => e.name === 'AWS_EC2_METADATA_SERVICE_ENDPOINT')
    .value;
}

describe('env mode against a real sidecar', () => {
  let moto: RunningMoto;
  let dir: TempDir;
  let sidecar: TestSidecar;
  let injected: string;

  beforeAll(async () => {
    expect(missingTools()).toEqual([]);
    dir = tempDir();
    dir.writeToken();
    moto = await startMoto();
    sidecar = await startTestSidecar({ 'token-file': dir.tokenFile, 'sts-endpoint': moto.endpoint });
    injected = injectedEndpoint(sidecar.sidecar.imdsPort);
  }, 60_000);

  afterAll(async () => {
    await sidecar?.stop();
    await moto?.stop();
    dir?.remove();
  });

  test("Debian's aws CLI v2 resolves the sidecar's credentials from the injected endpoint", async () => {
    const result = await runClient(
      '/usr/bin/aws',
      ['configure', 'export-credentials', '--format', 'process'],
      scrubbedEnv(home, { AWS_EC2_METADATA_SERVICE_ENDPOINT: injected, AWS_DEFAULT_REGION: 'us-east-1' }),
    );
    expect(result.stderr).not.toMatch(/Invalid endpoint/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).AccessKeyId).toMatch(/^ASIA/);
  });

  test('the AWS SDK for JavaScript v2 (which sends //latest/… with this endpoint) does too', async () => {
    const creds = await JS_V2.credentials(injected, home);
    expect(creds).toMatchObject({ AccessKeyId: expect.stringMatching(/^ASIA/) });
  });
});
