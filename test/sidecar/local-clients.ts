/** Local clients of the sidecar's IMDS port for the fault tests: a pipelined flood, a connection hoarder, a polite SDK. */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * `connections` sockets, each writing `requests` pipelined GETs of `path` at once and never reading an answer; stop()
 * destroys them.
 */
export function pipelinedFlood(
  port: number,
  options: { connections: number; requests: number; path: string },
): { stop(): void } {
  const payload = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(options.requests),
  );
  const sockets = Array.from({ length: options.connections }, () => {
    const socket = connect(port, '127.0.0.1');
    socket.pause(); // never read: the answers pile up in the kernel's buffers, then in the server's memory
    socket.on('error', () => undefined);
    socket.write(payload);
    return socket;
  });
  return {
    stop() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

export interface Hoard {
  /** Connections that are still open. */
  open(): number;
  closeAll(): void;
}

/** Opens `count` connections that never send a byte; resolves once each has connected or failed. */
export async function hoardConnections(port: number, count: number): Promise<Hoard> {
  const sockets = new Set<Socket>();
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((done) => {
          const socket = connect(port, '127.0.0.1');
          sockets.add(socket);
          socket.once('connect', () => done());
          socket.once('error', () => done());
          socket.once('close', () => {
            sockets.delete(socket);
            done();
          });
        }),
    ),
  );
  return {
    open: () => sockets.size,
    closeAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** The HTTP status of one GET on a new connection, or 'timeout' / the error code when none came within `timeoutMs`. */
export function politeGet(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    req.on('timeout', () => {
      resolve('timeout');
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

/** `count` politeGet()s one after the other, `gapMs` apart; the answers in order. */
export async function politeGets(
  url: string,
  count: number,
  timeoutMs: number,
  gapMs: number,
): Promise<(number | string)[]> {
  const answers: (number | string)[] = [];
  for (let i = 0; i < count; i++) {
    answers.push(await politeGet(url, timeoutMs));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return answers;
}
