/** The two HTTP servers: IMDS on loopback only, health/metrics on every interface. */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/logger';
import { type ConnectionGuard, SERVER_TIMEOUTS, SOCKET_TIMEOUT_MS } from './connections';
import { type ImdsRequest, type ImdsRouter, TOKEN_HEADER, TTL_HEADER } from './imds-router';
import type { SidecarMetrics } from './metrics';

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens; a failure (port in use, no such address) names the flag that chose the port. */
function listen(server: Server, port: number, host: string | undefined, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `--${flag}: cannot listen on ${host ?? 'all interfaces'} port ${port} (${err.code ?? err.message})`,
        ),
      );
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** An HTTP server with IMDS-sized timeouts whose connections and requests go through `guard`. */
export function guardedServer(guard: ConnectionGuard, handler: RequestListener): Server {
  const server = createServer(SERVER_TIMEOUTS);
  server.setTimeout(SOCKET_TIMEOUT_MS);
  server.on('request', guard.watch(server, handler));
  return server;
}

/** Grace for requests in flight when the servers close; after it, remaining connections are cut. */
const CLOSE_GRACE_MS = 1000;

function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
          server.close(() => {
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        }),
    ),
  ).then(() => undefined);
}

/** The parts of a request that IMDS reads. Node joins a repeated header with ", ", so a doubled token fails. */
export function imdsRequest(req: IncomingMessage): ImdsRequest {
  const headers = req.headers;
  return {
    method: req.method,
    url: req.url,
    forwarded: headers['x-forwarded-for'] !== undefined,
    token: header(headers[TOKEN_HEADER]),
    ttl: header(headers[TTL_HEADER]),
  };
}

/** Node types unknown headers as possibly repeated, but joins them into one string. */
function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * IMDS on 127.0.0.1 and ::1 (same port). Never on another interface: any process that can reach it gets the pod's
 * credentials. Without IPv6 in the pod, ::1 is skipped with a log line.
 */
export async function startImdsServer(
  port: number,
  route: ImdsRouter,
  metrics: SidecarMetrics,
  guard: ConnectionGuard,
  log: Logger,
): Promise<Listening> {
  const handler: RequestListener = (req, res) => {
    const request = imdsRequest(req);
    const answer = route(request);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    metrics.request(
      answer.pathClass,
      answer.status,
      answer.pathClass === 'token' || request.token !== undefined,
    );
  };
  const v4 = guardedServer(guard, handler);
  const bound = await listen(v4, port, '127.0.0.1', 'port');
  const servers = [v4];
  const v6 = guardedServer(guard, handler);
  try {
    await listen(v6, bound, '::1', 'port');
    servers.push(v6);
  } catch (err) {
    log.warn(
      { error: (err as Error).message },
      'IMDS not listening on [::1] (no IPv6 loopback?); 127.0.0.1 only',
    );
  }
  return { port: bound, close: () => closeAll(servers) };
}

export interface HealthState {
  ready(): boolean;
  /** Why not ready, for the /readyz body. */
  reason(): string;
}

export async function startHealthServer(
  port: number,
  state: HealthState,
  metrics: SidecarMetrics,
  guard: ConnectionGuard,
  log: Logger,
): Promise<Listening> {
  const server = guardedServer(guard, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/readyz')
      return state.ready() ? text(200, 'ok\n') : text(503, `not ready: ${state.reason()}\n`);
    if (path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => text(200, body, metrics.registry.contentType),
        (err: Error) => {
          log.error({ error: err.message }, 'collecting metrics failed');
          text(500, 'metrics unavailable\n');
        },
      );
      return;
    }
    text(404, 'not found: try /healthz, /readyz or /metrics\n');
  });
  // No host: every interface, IPv6 and IPv4, because the kubelet probes the pod IP.
  const bound = await listen(server, port, undefined, 'health-port');
  return { port: bound, close: () => closeAll([server]) };
}
