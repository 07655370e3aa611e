import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports';
import type { LocalhostTls } from './tls';

export interface RunningMoto {
  /** Base URL to give the sidecar as its STS endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and waits for the process to exit. */
  stop(): Promise<void>;
}

export interface MotoOptions {
  readonly netns?: string;
  readonly port?: number;
  readonly host?: string;
  /** Serve HTTPS with this certificate and key (PEM files), as the real STS does; plain HTTP without. */
  readonly tls?: Pick<LocalhostTls, 'certFile' | 'keyFile' | 'hostname'>;
}

/**
 * Starts `moto_server` (a real STS implementation from the Python `moto` package) on loopback: the host's by
 * default, or inside network namespace `netns`, where it binds that namespace's loopback. With `tls`, the endpoint
 * names `tls.hostname` (which must resolve to `host` and match the certificate).
 */
export async function startMoto(options: MotoOptions = {}): Promise<RunningMoto> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (options.netns ? 5000 : await freePort(host));
  const tlsArgs = options.tls ? ['-c', options.tls.certFile, '-k', options.tls.keyFile] : [];
  const serverArgs = ['-H', host, '-p', String(port), ...tlsArgs];
  const [command, args] = options.netns
    ? ['ip', ['netns', 'exec', options.netns, 'moto_server', ...serverArgs]]
    : ['moto_server', serverArgs];
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_CALL_RESET_API: 'false' },
  });
  await waitForListening(child, port);
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: options.tls ? `https://${options.tls.hostname}:${port}` : `http://${bracketed}:${port}`,
    port,
    stop: () => stopProcess(child),
  };
}

function waitForListening(child: ChildProcess, port: number, timeoutMs = 20000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`moto_server did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // werkzeug announces the bound address once the socket is listening.
      if (output.includes(`:${port}`) && output.includes('Running on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      fail(new Error(`moto_server exited with ${code} before listening:\n${output}`)),
    );
  });
}

/** Sends SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
