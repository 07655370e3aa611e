/** Runs the compiled `imds-emulator webhook` as a child process and talks to it over HTTPS, for the webhook's tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { type Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { generateCa, issueServingCert } from '../../../emulator/src/webhook/certs/generate';
import { freePort } from '../../support/ports';

const BIN = join(__dirname, '..', '..', '..', 'emulator', 'bin', 'imds-emulator.js');

export interface WebhookProcess {
  child: ChildProcess;
  port: number;
  healthPort: number;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** Raw stdout + stderr so far. */
  output(): string;
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Writes a throw-away CA's serving pair for `localhost` to `<dir>/tls.crt` and `tls.key`; returns the CA's PEM. */
export async function writeServingPair(dir: string): Promise<string> {
  const ca = await generateCa('test-ca', new Date(), 3600);
  const pair = await issueServingCert(ca, ['localhost'], new Date(), 3600);
  writeFileSync(join(dir, 'tls.crt'), pair.certPem);
  writeFileSync(join(dir, 'tls.key'), pair.keyPem);
  return ca.certPem;
}

/** Flags of a webhook serving the pair in `dir` (files mode) that needs no API server. */
export function filesModeArgs(dir: string, sidecarMode: 'classic' | 'native' = 'classic'): string[] {
  return [
    '--image=registry.example/imds-emulator:0.1.0',
    `--tls-cert=${join(dir, 'tls.crt')}`,
    `--tls-key=${join(dir, 'tls.key')}`,
    `--sidecar-mode=${sidecarMode}`,
    '--namespace-policy=false',
  ];
}

export async function startWebhook(
  args: string[],
  env: Record<string, string> = {},
): Promise<WebhookProcess> {
  const port = await freePort();
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      BIN,
      'webhook',
      '--port',
      String(port),
      '--health-port',
      String(healthPort),
      '--bind-address',
      '127.0.0.1',
      ...args,
    ],
    { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  // 'close', not 'exit': it comes after stdout has been read to the end.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`log line not seen within ${timeoutMs} ms; output so far:\n${output}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    child,
    port,
    healthPort,
    logs,
    output: () => output,
    waitForLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A webhook in files mode on a fresh throw-away certificate, listening; stop() also deletes the certificate. */
export async function startFilesWebhook(
  sidecarMode: 'classic' | 'native' = 'classic',
): Promise<WebhookProcess & { caPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-files-'));
  const caPem = await writeServingPair(dir);
  const webhook = await startWebhook(filesModeArgs(dir, sidecarMode));
  await webhook.waitForLog((l) => l.msg === 'webhook listening');
  return {
    ...webhook,
    caPem,
    async stop() {
      await webhook.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function health(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  what = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}

export interface PostResult {
  status: number;
  body: string;
  json?: unknown;
  /** The serving certificate seen on this connection. */
  fingerprint?: string;
  reusedSocket: boolean;
}

/** POSTs a body to the webhook; without `ca` the certificate is not verified. */
export function post(
  port: number,
  body: string | Buffer,
  options: {
    agent?: Agent;
    ca?: string;
    servername?: string;
    path?: string;
    method?: string;
    /** Also report the serving certificate's fingerprint (costs a parse per request). */
    peer?: boolean;
  } = {},
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/mutate',
        method: options.method ?? 'POST',
        agent: options.agent ?? false,
        ca: options.ca,
        servername: options.servername ?? 'localhost',
        rejectUnauthorized: options.ca !== undefined,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const raw = options.peer ? (res.socket as TLSSocket).getPeerCertificate(true)?.raw : undefined;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            json,
            fingerprint: raw ? new X509Certificate(raw).fingerprint256 : undefined,
            reusedSocket: req.reusedSocket,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface HeldAnswer {
  status: number;
  retryAfter?: string;
}

/**
 * A `POST /mutate` over its own TLS connection (certificate not verified) that sends all but the last `keepLast` bytes
 * of its body at once and the rest on finish(); `answer` resolves with the status line's code and Retry-After as soon
 * as the head of an answer arrives (undefined if the connection closes first).
 */
export class HeldRequest {
  readonly answer: Promise<HeldAnswer | undefined>;
  private readonly socket: TLSSocket;
  private readonly last: Buffer;

  /** `chunked`: no Content-Length, the body sent as one chunk of chunked transfer encoding. */
  constructor(port: number, body: Buffer, keepLast: number, chunked = false) {
    this.socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    this.socket.on('error', () => {});
    const length = chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`;
    const wire = Buffer.concat([
      Buffer.from(
        `POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n${length}\r\n\r\n`,
      ),
      ...(chunked
        ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]
        : [body]),
    ]);
    this.socket.write(wire.subarray(0, wire.length - keepLast));
    this.last = wire.subarray(wire.length - keepLast);
    let text = '';
    this.answer = new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
        if (status && text.includes('\r\n\r\n')) {
          resolve({ status: Number(status[1]), retryAfter: /\r\nretry-after: (\S+)/i.exec(text)?.[1] });
        }
      });
      this.socket.on('close', () => resolve(undefined));
    });
  }

  finish(): void {
    if (!this.socket.destroyed) this.socket.write(this.last);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
