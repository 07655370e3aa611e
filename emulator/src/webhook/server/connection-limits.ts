/**
 * Timeouts and the connection cap of the webhook's HTTPS server: how long a client may hold a connection or a slot of
 * the request-body budget (body-budget.ts) without doing its part, and how many connections it may open.
 */
import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../../common/logger';
import type { WebhookMetrics } from './metrics';

/**
 * Open connections at most: beyond it Node closes new ones as soon as they are accepted. The API servers keep a few
 * dozen; an idle TLS connection costs 50–90 KiB (256 of them measured +23 MiB on Node 22), so the cap keeps them
 * a small part of the memory limit whatever a client opens.
 */
export const MAX_CONNECTIONS = 256;

/** Time for the request headers, and for the TLS handshake and the first request's first byte. */
export const HEADERS_TIMEOUT_MS = 10_000;

/**
 * Time for a whole request, body included: the API server's own webhook timeout is at most 30 s, and a client that
 * trickles a body holds its share of the body budget no longer than this.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Longer than the API server's idle-connection timeout (90 s), so it is the one to close idle connections. */
export const KEEP_ALIVE_TIMEOUT_MS = 120_000;

/** Connection drops are logged at most this often: a flood must not become a flood of log lines. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Options for `https.createServer`. Node checks the request timeouts every connectionsCheckingInterval (default 30 s,
 * which would double the wait); a TLS handshake gets the headers' time (default 120 s).
 */
export const SERVER_OPTIONS = {
  minVersion: 'TLSv1.2',
  connectionsCheckingInterval: 2_000,
  handshakeTimeout: HEADERS_TIMEOUT_MS,
} as const;

export function limitConnections(https: HttpsServer, metrics: WebhookMetrics, logger: Logger): void {
  https.headersTimeout = HEADERS_TIMEOUT_MS;
  https.requestTimeout = REQUEST_TIMEOUT_MS;
  https.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  https.maxConnections = MAX_CONNECTIONS;
  // Connections whose first request head has not arrived yet. Node's request timeouts start at a request's first
  // byte: a connection that never sends one would hold a slot of the cap forever without this socket timeout. Once a
  // request has been answered, Node sets the socket's timeout to keepAliveTimeout.
  const waiting = new Set<Socket>();
  https.on('secureConnection', (socket: Socket) => {
    socket.setTimeout(HEADERS_TIMEOUT_MS);
    waiting.add(socket);
    socket.once('close', () => waiting.delete(socket));
  });
  https.on('request', (req: IncomingMessage) => waiting.delete(req.socket));

  let dropsUnlogged = 0;
  let dropLoggedAt = 0;
  https.on('drop', () => {
    metrics.shed.inc({ reason: 'connections' });
    // At the cap, connections that are not in a request make room (those still waiting for their first request
    // head, and idle keep-alive ones): a client holding many of them must not lock the API server out. The API
    // server reopens its own as needed; the dropped client's next attempt finds room.
    for (const socket of waiting) socket.destroy();
    https.closeIdleConnections();
    dropsUnlogged++;
    if (Date.now() - dropLoggedAt < DROP_LOG_INTERVAL_MS) return;
    logger.warn(
      { maxConnections: MAX_CONNECTIONS, dropped: dropsUnlogged },
      'connections dropped at the connection cap; connections not in a request closed',
    );
    dropLoggedAt = Date.now();
    dropsUnlogged = 0;
  });
}
