/** Misbehaving STS endpoints on loopback: a switchable TCP listener (blackhole, trickle, relay) and a fake STS. */
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * What a new connection gets: `blackhole` accepts and never answers; `trickle-headers` sends a status line one byte
 * at a time; `trickle-body` sends complete headers and then the body one byte at a time; a number relays to that
 * loopback port (moto). Connections keep the mode they were accepted in.
 */
export type ListenerMode = 'blackhole' | 'trickle-headers' | 'trickle-body' | number;

export interface SwitchableListener {
  readonly endpoint: string;
  /** Connections accepted so far. */
  readonly accepted: () => number;
  mode: ListenerMode;
  stop(): Promise<void>;
}

const TRICKLE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\n';
const TRICKLE_BODY_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: 2000\r\n\r\n<';

export async function startSwitchableListener(
  mode: ListenerMode,
  trickleEveryMs = 200,
): Promise<SwitchableListener> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const trickle = (socket: Socket, text: string) => {
    let i = 0;
    const timer = setInterval(() => socket.write(text[i++ % text.length]), trickleEveryMs);
    socket.on('close', () => clearInterval(timer));
  };
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const current = listener.mode;
    if (current === 'trickle-headers') trickle(socket, TRICKLE_HEAD);
    else if (current === 'trickle-body') {
      socket.write(TRICKLE_BODY_HEAD);
      trickle(socket, 'x');
    } else if (typeof current === 'number') {
      const upstream = connect(current, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: SwitchableListener = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    mode,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return listener;
}

/** A valid AssumeRoleWithWebIdentity answer whose Expiration is `expiration`, verbatim. */
export function assumeRoleAnswer(accessKeyId: string, expiration: string): string {
  return (
    '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
    '<AssumeRoleWithWebIdentityResult><Credentials>' +
    `<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>secret-${accessKeyId}</SecretAccessKey>` +
    `<SessionToken>token-${accessKeyId}</SessionToken><Expiration>${expiration}</Expiration>` +
    '</Credentials><SubjectFromWebIdentityToken>system:serviceaccount:ns:app</SubjectFromWebIdentityToken>' +
    '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/app-role/ns.app-1</Arn>' +
    '<AssumedRoleId>AROA:ns.app-1</AssumedRoleId></AssumedRoleUser>' +
    '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>' +
    '</AssumeRoleWithWebIdentityResponse>'
  );
}

/**
 * Answers 200 with a body of `total` bytes: `head`, filler, `tail` (e.g. an XML answer padded to size), with or
 * without a Content-Length. Resolves, once the connection closes, with the bytes handed to the socket.
 */
export function answerHuge(
  res: ServerResponse,
  total: number,
  declareLength: boolean,
  head = '',
  tail = '',
): Promise<number> {
  const filler = Buffer.alloc(64 * 1024, 'x');
  const fillEnd = total - Buffer.byteLength(tail);
  res.writeHead(200, {
    'content-type': 'text/xml',
    ...(declareLength ? { 'content-length': String(total) } : {}),
  });
  res.write(head);
  let written = Buffer.byteLength(head);
  return new Promise((resolve) => {
    const more = () => {
      while (written < fillEnd && !res.destroyed) {
        const chunk = filler.subarray(0, Math.min(filler.length, fillEnd - written));
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      if (res.destroyed) return;
      res.end(tail);
      written += Buffer.byteLength(tail);
    };
    res.on('close', () => resolve(written));
    more();
  });
}

export interface FakeSts {
  readonly endpoint: string;
  /** STS requests received so far. */
  readonly calls: () => number;
  stop(): Promise<void>;
}

/** A loopback HTTP server standing in for STS: `answer` writes the response to each request (numbered from 1). */
export async function startFakeSts(answer: (res: ServerResponse, call: number) => void): Promise<FakeSts> {
  let calls = 0;
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res, ++calls));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers with valid credentials expiring at `expiration` (an ISO date, or any text). */
export function answerCredentials(res: ServerResponse, accessKeyId: string, expiration: string): void {
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(assumeRoleAnswer(accessKeyId, expiration));
}
