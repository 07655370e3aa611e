/**
 * Real AWS clients, each run as a child process with a scrubbed environment (no AWS_* variables, an empty HOME) so
 * that the only place it can find credentials is the IMDS endpoint it is given.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(__dirname, '../..');

export interface ClientCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
}

export interface ClientRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a client: the parent's minus its AWS_, BOTO and IMDS_EMULATOR_ variables, plus `extra`. */
export function clientEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('IMDS_EMULATOR_') && !key.startsWith('BOTO'))
      env[key] = value;
  }
  return { ...env, HOME: home, ...extra };
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ClientRun> {
  return new Promise((done) => {
    execFile(command, args, { env, cwd: REPO, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const PRINT_JS = `(c) => console.log(JSON.stringify({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken }))`;

const PYTHON_BOTO3 = `
import json, boto3
c = boto3.Session().get_credentials()
f = c.get_frozen_credentials()
print(json.dumps({"AccessKeyId": f.access_key, "SecretAccessKey": f.secret_key, "Token": f.token, "method": c.method}))
`;

/** The machine's Python (pyenv) with botocore/boto3 and awscli v1 next to it. */
function pyenvPython(): string {
  return execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim();
}

export interface Client {
  readonly name: string;
  /** Runs the client against IMDS at `endpoint`; its credentials, or the failed run. */
  credentials(endpoint: string, home: string): Promise<ClientCredentials | ClientRun>;
}

/** The JSON object the client printed (the whole output, or its last line after warnings). */
function parsed(result: ClientRun): ClientCredentials | ClientRun {
  if (result.code !== 0) return result;
  const out = result.stdout.trim();
  for (const candidate of [out, out.split('\n').pop() ?? '']) {
    try {
      return JSON.parse(candidate) as ClientCredentials;
    } catch {
      // not JSON: try the next candidate
    }
  }
  return result;
}

function nodeClient(name: string, script: string): Client {
  return {
    name,
    credentials: async (endpoint, home) =>
      parsed(
        await run(
          process.execPath,
          ['-e', script],
          clientEnv(home, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint }),
        ),
      ),
  };
}

function pythonClient(name: string, python: string): Client {
  return {
    name,
    credentials: async (endpoint, home) =>
      parsed(
        await run(
          python,
          ['-c', PYTHON_BOTO3],
          clientEnv(home, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint }),
        ),
      ),
  };
}

/**
 * aws CLI v2: `configure export-credentials` prints what its credential chain resolved. Its botocore (Debian's
 * 2.9) joins the endpoint and `latest/api/token` without a slash, so the endpoint is given with a trailing one.
 */
function awsCliV2(aws: string): Client {
  return {
    name: 'aws CLI v2 (configure export-credentials)',
    credentials: async (endpoint, home) => {
      const result = await run(
        aws,
        ['configure', 'export-credentials', '--format', 'process'],
        clientEnv(home, {
          AWS_EC2_METADATA_SERVICE_ENDPOINT: `${endpoint}/`,
          AWS_DEFAULT_REGION: 'us-east-1',
        }),
      );
      const out = parsed(result) as Partial<{
        AccessKeyId: string;
        SecretAccessKey: string;
        SessionToken: string;
      }>;
      if (!out.AccessKeyId) return result;
      return {
        AccessKeyId: out.AccessKeyId,
        SecretAccessKey: out.SecretAccessKey ?? '',
        Token: out.SessionToken ?? '',
      };
    },
  };
}

export const JS_V3_IMDS = nodeClient(
  'JS v3 fromInstanceMetadata',
  `require('@aws-sdk/credential-providers').fromInstanceMetadata()().then(${PRINT_JS})`,
);
export const JS_V3_CHAIN = nodeClient(
  'JS v3 fromNodeProviderChain',
  `require('@aws-sdk/credential-providers').fromNodeProviderChain()().then(${PRINT_JS})`,
);
export const JS_V2 = nodeClient(
  'JS v2 EC2MetadataCredentials',
  `const AWS = require('aws-sdk'); const c = new AWS.EC2MetadataCredentials();
   c.get((err) => { if (err) { console.error(err); process.exit(1); } (${PRINT_JS})(c); });`,
);

const python = pyenvPython();
export const BOTO3 = pythonClient('boto3/botocore (machine Python)', python);
export const DEBIAN_BOTO3 = pythonClient('boto3/botocore (Debian python3-boto3)', '/usr/bin/python3');
export const AWS_CLI_V2 = awsCliV2('/usr/bin/aws');
/** awscli v1 has no export-credentials: its credentials are checked through the STS calls it signs. */
export const AWS_CLI_V1 = join(dirname(python), 'aws');

export const ALL_CLIENTS: Client[] = [JS_V3_IMDS, JS_V3_CHAIN, JS_V2, BOTO3, DEBIAN_BOTO3, AWS_CLI_V2];

export function missingTools(): string[] {
  return ['/usr/bin/python3', '/usr/bin/aws', AWS_CLI_V1].filter((path) => !existsSync(path));
}
