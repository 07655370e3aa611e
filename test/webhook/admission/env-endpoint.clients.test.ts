/**
 * The env redirect only works if real AWS clients follow the AWS_EC2_METADATA_SERVICE_ENDPOINT value the webhook
 * writes. This runs botocore, the JavaScript SDK v3 and v2 in child processes with exactly that value (taken from the
 * patch) and a small IMDS double on loopback, and checks each fetched credentials from it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Json, P, podWith, run } from './support';

const ACCESS_KEY = 'ASIAENVMODETEST00001';

/** Just enough IMDS for a credential fetch (IMDSv2 token, role listing, credentials); records what it was asked. */
function imdsDouble(requests: string[]): Server {
  return createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
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

test('the injected value is the sidecar port on IPv4 loopback', () => {
  expect(endpoint).toBe(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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
  expect(requests.slice(before)).toContain('GET /latest/meta-data/iam/security-credentials/app');
});
