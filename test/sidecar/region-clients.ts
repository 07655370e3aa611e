/**
 * Real AWS clients that learn the region from IMDS, each run as a child process with a scrubbed environment
 * (clients.ts) and printing one JSON line. What each SDK can learn, from its source:
 * - botocore `IMDSRegionProvider` reads `placement/availability-zone/` and drops the last letter; botocore uses it only
 *   to pick the `auto` defaults mode (in-region or cross-region), never as the client's region.
 * - AWS SDK for JavaScript v3 reads `placement/region`, also only for `defaultsMode: 'auto'`.
 * - aws-sdk-go v1 `ec2metadata.Region()` reads the identity document (Debian's golang-github-aws-aws-sdk-go-dev).
 * - AWS SDK for JavaScript v2 has no IMDS region discovery (region from env or config files only); apps that want it
 *   ask `AWS.MetadataService` for `placement/region` themselves, which is what the v2 client here does.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ClientRun, clientEnv, run } from './clients';

const REPO = resolve(__dirname, '../..');
const GO_SOURCE = join(__dirname, 'go-region', 'main.go');
/** Debian's Go packages: the SDK sources live in the GOPATH below, nothing is fetched. */
const GOPATH = '/usr/share/gocode';

export interface RegionRun extends ClientRun {
  /** The client's JSON line, when it printed one. */
  readonly out?: Record<string, unknown>;
}

export interface RegionClient {
  readonly name: string;
  /** Runs the client against IMDS at `endpoint`, with the client's own region `clientRegion` where it needs one. */
  discover(endpoint: string, home: string, clientRegion: string): Promise<RegionRun>;
}

function withJson(result: ClientRun): RegionRun {
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...result, out: JSON.parse(last) as Record<string, unknown> };
  } catch {
    return result;
  }
}

async function runClient(command: string, args: string[], home: string, endpoint: string) {
  return withJson(await run(command, args, clientEnv(home, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint })));
}

const BOTOCORE = `
import json, botocore.session
from botocore.utils import IMDSRegionProvider
print(json.dumps({"region": IMDSRegionProvider(botocore.session.get_session()).provide()}))
`;

export const BOTOCORE_REGION: RegionClient = {
  name: 'botocore IMDSRegionProvider',
  discover: (endpoint, home) =>
    runClient(
      execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim(),
      ['-c', BOTOCORE],
      home,
      endpoint,
    ),
};

/** `mode`: in-region when the region IMDS gave equals the client's, cross-region when it differs, standard when none. */
export const JS_V3_REGION: RegionClient = {
  name: "JS v3 defaultsMode 'auto'",
  discover: (endpoint, home, clientRegion) =>
    runClient(
      process.execPath,
      [
        '-e',
        `const { STSClient } = require('@aws-sdk/client-sts');
         new STSClient({ region: ${JSON.stringify(clientRegion)}, defaultsMode: 'auto' }).config.defaultsMode()
           .then((mode) => console.log(JSON.stringify({ mode })));`,
      ],
      home,
      endpoint,
    ),
};

export const JS_V2_REGION: RegionClient = {
  name: 'JS v2 MetadataService placement/region',
  discover: (endpoint, home) =>
    runClient(
      process.execPath,
      [
        '-e',
        `const AWS = require('aws-sdk'); const m = new AWS.MetadataService();
         const fail = (err) => { console.error(err); process.exit(1); };
         m.fetchMetadataToken((err, token) => {
           if (err) fail(err);
           m.request('/latest/meta-data/placement/region', { headers: { 'x-aws-ec2-metadata-token': token } },
             (e, region) => (e ? fail(e) : console.log(JSON.stringify({ region }))));
         });`,
      ],
      home,
      endpoint,
    ),
};

/** The Go client, built offline from Debian's SDK sources once per version of its source (cached under .cache/). */
export function buildGoRegion(): string {
  const source = readFileSync(GO_SOURCE);
  const key = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(REPO, '.cache', 'go-region', key);
  const binary = join(dir, 'region');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  execFileSync('go', ['build', '-o', binary, GO_SOURCE], {
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH,
      GOPROXY: 'off',
      GOFLAGS: '',
      GOCACHE: join(REPO, '.cache', 'go-build'),
    },
    timeout: 300_000,
  });
  return binary;
}

export function goRegion(binary: string): RegionClient {
  return {
    name: 'aws-sdk-go v1 ec2metadata.Region()',
    discover: (endpoint, home) => runClient(binary, [], home, endpoint),
  };
}

export function missingGo(): string[] {
  return ['/usr/bin/go', join(GOPATH, 'src/github.com/aws/aws-sdk-go/aws/ec2metadata')].filter(
    (path) => !existsSync(path),
  );
}
