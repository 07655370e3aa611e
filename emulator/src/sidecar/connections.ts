/**
 * Keeps the sidecar answering a well-behaved client (the app's SDK) while other clients misbehave: one cap on open
 * connections across its servers, below the process's file-descriptor limit, and a bound on pipelined requests per
 * connection.
 */
import { readFileSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import type { Socket } from 'node:net';

/** Why a connection was closed by the sidecar rather than by its client. */
export type ShedReason = 'oldest_idle' | 'oldest_busy' | 'pipelining';
export const SHED_REASONS: readonly ShedReason[] = ['oldest_idle', 'oldest_busy', 'pipelining'];

/**
 * Requests a connection may have waiting for their answers to reach the socket. AWS SDKs send one request at a time;
 * a client that pipelines more and does not read the answers would otherwise hold the event loop and the sidecar's
 * memory with thousands of queued responses.
 */
export const MAX_PIPELINED = 16;

/** File descriptors kept for everything but client connections: stdio, epoll, listeners, STS, the token file. */
export const RESERVED_FDS = 64;
/**
 * The cap whatever the fd limit. One pod's clients need a handful (idle keep-alive connections close after 5 s, and
 * at the cap the least recently used idle one is closed for a new one). A pipelining flood costs about 1.5 MB per
 * connection while Node parses what it read, and all open connections can be read in one turn: 32 keeps that within
 * reach of the sidecar's memory limit (BENCHMARKS.md).
 */
export const MAX_CONNECTIONS = 32;
/** Assumed when /proc/self/limits cannot be read: the usual soft limit. */
export const DEFAULT_NOFILE = 1024;

/**
 * The soft "Max open files" limit from the text of /proc/self/limits (Node has raised it to the hard limit at start);
 * undefined if absent or unlimited.
 */
export function softNofile(limits: string | undefined): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(limits ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The connection cap for a process whose soft fd limit is `nofile` (undefined: unknown or unlimited). */
export function connectionCap(nofile: number | undefined): number {
  if (nofile === undefined) return MAX_CONNECTIONS;
  return Math.max(1, Math.min(MAX_CONNECTIONS, nofile - RESERVED_FDS));
}

/**
 * Node's longest timer delay (TIMEOUT_MAX, about 24.8 days): a longer one is taken as 1 ms. As the period of the
 * servers' connection check it means no check while the sidecar idles.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Options of the sidecar's servers. Node enforces headersTimeout and requestTimeout by checking every connection each
 * connectionsCheckingInterval (30 s by default), and that check woke an idle sidecar twice a minute (its only CPU
 * while idle, BENCHMARKS.md). SOCKET_TIMEOUT_MS and HEADERS_TIMEOUT_MS bound a stalled or trickling request instead,
 * with timers per open connection: none while idle.
 */
export const SERVER_TIMEOUTS = {
  keepAliveTimeout: 5000,
  connectionsCheckingInterval: MAX_TIMER_MS,
} as const;

/** A connection that sends or reads nothing for this long (mid-request or idle between requests) is closed. */
export const SOCKET_TIMEOUT_MS = 5000;

/**
 * A connection must deliver a whole request's headers within this long of opening or of its last answer, so a client
 * that trickles a byte at a time cannot hold it (Node's headersTimeout did that, by its 30 s check).
 */
export const HEADERS_TIMEOUT_MS = 5000;

interface ConnectionState {
  /** Requests read and not answered yet. */
  pending: number;
  /** Armed while the connection owes the headers of its next request. */
  headersDeadline?: NodeJS.Timeout;
}

/** One cap on the open connections of several servers, and the pipelining bound on each connection. */
export class ConnectionGuard {
  /** Open connections, least recently active first, with their requests not answered yet. */
  private readonly open = new Map<Socket, ConnectionState>();

  constructor(
    private readonly cap: number,
    private readonly shed: (reason: ShedReason) => void,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Admits `server`'s connections under the cap; returns `handler` guarded against pipelining floods. */
  watch(server: Server, handler: RequestListener): RequestListener {
    server.on('connection', (socket: Socket) => this.admit(socket));
    return (req, res) => {
      const socket = req.socket;
      const state = this.open.get(socket);
      // Node goes on parsing a chunk it has read after its socket was closed: nothing to answer then.
      if (state === undefined || socket.destroyed) return;
      clearTimeout(state.headersDeadline);
      if (++state.pending > MAX_PIPELINED) {
        socket.destroy();
        this.shed('pipelining');
        return;
      }
      // Most recently active last: the app's own connection is the last idle one to go.
      this.open.delete(socket);
      this.open.set(socket, state);
      res.once('close', () => {
        if (--state.pending === 0 && !socket.destroyed) this.awaitHeaders(socket, state);
      });
      handler(req, res);
    };
  }

  /**
   * A new connection is always admitted (it is likely the app's SDK, which connects per request): at the cap the least
   * recently active idle connection is closed, or if none is idle the least recently active one, whose answers a
   * client that does not read has left stuck.
   */
  private admit(socket: Socket): void {
    if (this.open.size >= this.cap) {
      const idle = this.leastRecent(true);
      const victim = idle ?? this.leastRecent(false);
      if (victim !== undefined) {
        this.open.delete(victim);
        victim.destroy();
        this.shed(idle ? 'oldest_idle' : 'oldest_busy');
      }
    }
    const state: ConnectionState = { pending: 0 };
    this.open.set(socket, state);
    this.awaitHeaders(socket, state);
    socket.once('close', () => {
      clearTimeout(state.headersDeadline);
      this.open.delete(socket);
    });
  }

  /** A timer only while a connection is open: an idle sidecar has none (SERVER_TIMEOUTS). */
  private awaitHeaders(socket: Socket, state: ConnectionState): void {
    state.headersDeadline = setTimeout(() => socket.destroy(), HEADERS_TIMEOUT_MS);
  }

  private leastRecent(idle: boolean): Socket | undefined {
    for (const [socket, { pending }] of this.open) if (!idle || pending === 0) return socket;
    return undefined;
  }
}

/** The cap for this process, from its soft fd limit in /proc/self/limits (Linux), else from DEFAULT_NOFILE. */
export function processConnectionCap(): number {
  let limits: string | undefined;
  try {
    limits = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return connectionCap(DEFAULT_NOFILE);
  }
  return connectionCap(softNofile(limits));
}

/** Calls `log(reason, count)` for the first shed of a reason, then at most once per `intervalMs` with the count since. */
export function throttledShedLog(
  log: (reason: ShedReason, count: number) => void,
  intervalMs: number,
  now: () => number = Date.now,
): (reason: ShedReason) => void {
  const last = new Map<ShedReason, { at: number; unlogged: number }>();
  return (reason) => {
    const entry = last.get(reason);
    if (entry === undefined || now() - entry.at >= intervalMs) {
      log(reason, (entry?.unlogged ?? 0) + 1);
      last.set(reason, { at: now(), unlogged: 0 });
    } else entry.unlogged++;
  };
}
