/** Helpers for the sidecar's integration tests: in-process sidecar, temp token files, relays, scrubbed client env. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawFlags } from '../../emulator/src/common/flags';
import { parseSidecarConfig } from '../../emulator/src/sidecar/config';
import type { RetryPolicy } from '../../emulator/src/sidecar/refresh-policy';
import { type RunningSidecar, startSidecar } from '../../emulator/src/sidecar/sidecar';
import type { FetchCredentials } from '../../emulator/src/sidecar/sts';
import { serviceAccountJwt } from '../support/jwt';
import { capturedLogger } from './log-capture';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/team/app-role';
export const ROLE_NAME = 'app-role';
export const CREDS_PATH = `/latest/meta-data/iam/security-credentials/${ROLE_NAME}`;
/** Fast retries so fault tests take seconds. */
export const FAST_RETRY: RetryPolicy = { baseMs: 100, maxMs: 400, startupMaxMs: 400, humanMs: 1000 };

export interface TempDir {
  readonly path: string;
  /** Writes a fresh service-account JWT (or `content`) to `<dir>/token` and returns it. */
  writeToken(content?: string): string;
  readonly tokenFile: string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'imds-sidecar-test-'));
  const tokenFile = join(path, 'token');
  return {
    path,
    tokenFile,
    writeToken(content = serviceAccountJwt({ namespace: 'ns', serviceAccount: 'app' })) {
      writeFileSync(tokenFile, content);
      return content;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface TestSidecar {
  readonly sidecar: RunningSidecar;
  /** http://127.0.0.1:<imds port> */
  readonly endpoint: string;
  readonly health: string;
  logs(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startTestSidecar(
  flags: RawFlags,
  options: { retry?: RetryPolicy; fetch?: FetchCredentials } = {},
): Promise<TestSidecar> {
  const config = {
    ...parseSidecarConfig({ 'role-arn': ROLE_ARN, 'pod-namespace': 'ns', 'pod-name': 'app-1', ...flags }, {}),
    port: 0,
    healthPort: 0,
  };
  const { log, lines } = capturedLogger();
  const sidecar = await startSidecar(config, {
    log,
    retry: options.retry ?? FAST_RETRY,
    fetch: options.fetch,
  });
  return {
    sidecar,
    endpoint: `http://127.0.0.1:${sidecar.imdsPort}`,
    health: `http://127.0.0.1:${sidecar.healthPort}`,
    logs: lines,
    stop: () => sidecar.stop(),
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export function http(url: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface Credentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
}

/** The document the sidecar serves right now (IMDSv1 GET, or IMDSv2 with `v2`). */
export async function served(endpoint: string, v2 = false): Promise<Credentials> {
  const headers: Record<string, string> = {};
  if (v2) {
    const token = await http(`${endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    headers['x-aws-ec2-metadata-token'] = token.body;
  }
  const answer = await http(`${endpoint}${CREDS_PATH}`, { headers });
  if (answer.status !== 200) throw new Error(`sidecar answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as Credentials;
}

/** Polls until `check` returns true (real servers, real timers). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Intercepted {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface Relay {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

/**
 * A loopback HTTP relay in front of `target` that records every request and lets `intercept` answer some of them
 * itself (a fault, a refused token PUT); the others are forwarded unchanged.
 */
export async function startRelay(
  target: string,
  intercept: (req: RecordedRequest) => Intercepted | undefined = () => undefined,
): Promise<Relay> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      const own = intercept(recorded);
      if (own) {
        res.writeHead(own.status, own.headers);
        res.end(own.body ?? '');
        return;
      }
      const forward = request(
        `${target}${recorded.path}`,
        { method: recorded.method, headers: { ...req.headers, host: new URL(target).host }, agent: false },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The web identity token an STS request carried (query protocol form body). */
export function webIdentityToken(req: RecordedRequest): string | undefined {
  return new URLSearchParams(req.body).get('WebIdentityToken') ?? undefined;
}

/** STS's throttling answer, as AWS sends it. */
export const THROTTLED: Intercepted = {
  status: 400,
  headers: { 'content-type': 'text/xml' },
  body:
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    '<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t-1</RequestId></ErrorResponse>',
};

/** STS's answer when the role's trust policy does not allow this token, as AWS sends it. */
export const ACCESS_DENIED: Intercepted = {
  status: 403,
  headers: { 'content-type': 'text/xml' },
  body:
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    '<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message></Error>' +
    '<RequestId>d-1</RequestId></ErrorResponse>',
};

/** The sum of the Prometheus samples of `name` whose labels include `labels`, from the sidecar's /metrics. */
export async function metric(
  health: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = (await http(`${health}/metrics`)).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/**
 * Fixtures for the tests of a describe block: `dir`, a temp dir holding a fresh token, new for each test; and
 * `later(thing)`, which stops `thing` after the test (in reverse order of registration).
 */
export function perTestFixtures() {
  let dir: TempDir | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeEach(() => {
    dir = tempDir();
    dir.writeToken();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    dir?.remove();
  });
  return {
    get dir(): TempDir {
      if (!dir) throw new Error('dir is made before each test');
      return dir;
    },
    later<T extends { stop(): Promise<void> | void }>(thing: T): T {
      cleanups.push(() => thing.stop());
      return thing;
    },
  };
}
