import { createServer } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import {
  ConnectionGuard,
  connectionCap,
  MAX_CONNECTIONS,
  MAX_TIMER_MS,
  RESERVED_FDS,
  type ShedReason,
  softNofile,
  throttledShedLog,
} from '../../emulator/src/sidecar/connections';
import { guardedServer } from '../../emulator/src/sidecar/servers';
import { exec, execOk } from '../support/exec';

const COMPILED = resolve(__dirname, '../../emulator/lib/sidecar/connections.js');
const COMPILED_SERVERS = resolve(__dirname, '../../emulator/lib/sidecar/servers.js');
/** A soft fd limit low enough for the cap to follow it. */
const SMALL_NOFILE = RESERVED_FDS + MAX_CONNECTIONS / 2;

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             63459                63459                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('connection cap from the fd limit', () => {
  it('reads the soft "Max open files" limit of /proc/self/limits', () => {
    expect(softNofile(LIMITS)).toBe(1024);
    expect(softNofile(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toBe(
      undefined,
    );
    expect(softNofile(undefined)).toBe(undefined);
  });

  it('keeps RESERVED_FDS free below the limit, never exceeds MAX_CONNECTIONS and admits at least one', () => {
    expect(connectionCap(SMALL_NOFILE)).toBe(SMALL_NOFILE - RESERVED_FDS);
    expect(connectionCap(1024)).toBe(MAX_CONNECTIONS);
    expect(connectionCap(undefined)).toBe(MAX_CONNECTIONS);
    expect(connectionCap(10)).toBe(1);
  });
});

describe('processConnectionCap (compiled, `npm run build` first)', () => {
  it("follows the process's fd limit", async () => {
    const script = `process.stdout.write(String(require(${JSON.stringify(COMPILED)}).processConnectionCap()))`;
    const nofile = `--nofile=${SMALL_NOFILE}:${SMALL_NOFILE}`;
    const cap = await execOk('prlimit', [nofile, process.execPath, '-e', script]);
    expect(Number(cap)).toBe(SMALL_NOFILE - RESERVED_FDS);
  });
});

describe('throttledShedLog', () => {
  it('logs the first shed of each reason, then at most once per interval with the count since', () => {
    let now = 0;
    const lines: [ShedReason, number][] = [];
    const shed = throttledShedLog(
      (reason, count) => lines.push([reason, count]),
      10_000,
      () => now,
    );
    shed('oldest_idle');
    for (let i = 0; i < 500; i++) shed('oldest_idle');
    shed('pipelining');
    now = 10_000;
    shed('oldest_idle');
    expect(lines).toEqual([
      ['oldest_idle', 1],
      ['pipelining', 1],
      ['oldest_idle', 501],
    ]);
  });
});

describe('ConnectionGuard on a loopback server', () => {
  it('at the cap closes the least recently active idle connection for a new one', async () => {
    const shed: ShedReason[] = [];
    const guard = new ConnectionGuard(3, (reason) => shed.push(reason));
    const server = createServer();
    server.on(
      'request',
      guard.watch(server, (_req, res) => res.end('ok')),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    const open = async () => {
      const socket = connect(port, '127.0.0.1');
      socket.setEncoding('utf8');
      await new Promise((done) => socket.once('connect', done));
      await new Promise((done) => setImmediate(done)); // the server has seen it
      return socket;
    };
    const closed = (socket: Socket) => new Promise((done) => socket.once('close', done));
    const get = (socket: Socket) =>
      new Promise<void>((done) => {
        socket.once('data', () => done());
        socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      });
    try {
      const [a, b, c] = [await open(), await open(), await open()];
      await get(a); // now a is the most recently active: b is the least
      const d = await open();
      await closed(b);
      expect([a.destroyed, c.destroyed, d.destroyed]).toEqual([false, false, false]);
      expect(shed).toEqual(['oldest_idle']);
      expect(guard.size).toBe(3);
      for (const socket of [a, c, d]) socket.destroy();
    } finally {
      server.close();
    }
  });
});

describe('ConnectionGuard at the cap with every connection busy', () => {
  it('closes the least recently active connection and admits the new one', async () => {
    const shed: ShedReason[] = [];
    const guard = new ConnectionGuard(2, (reason) => shed.push(reason));
    const server = createServer();
    // '/stuck' is never answered: a connection with answers a client does not read stays busy the same way.
    let stuck = 0;
    server.on(
      'request',
      guard.watch(server, (req, res) => {
        if (req.url === '/stuck') stuck++;
        else res.end('ok');
      }),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    const busy = async () => {
      const before = stuck;
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      socket.write('GET /stuck HTTP/1.1\r\nHost: h\r\n\r\n');
      while (stuck === before) await new Promise((done) => setTimeout(done, 10));
      return socket;
    };
    try {
      const first = await busy();
      const second = await busy();
      const closed = new Promise((done) => first.once('close', done));
      const answer = await new Promise<string>((done) => {
        const socket = connect(port, '127.0.0.1');
        socket.setEncoding('utf8');
        socket.once('data', (chunk: string) => {
          done(chunk);
          socket.destroy();
        });
        socket.once('close', () => done('closed without an answer'));
        socket.write('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      });
      expect(answer).toMatch(/^HTTP\/1\.1 200/);
      await closed;
      expect(shed).toEqual(['oldest_busy']);
      expect(second.destroyed).toBe(false);
      second.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe("the sidecar's servers while idle (compiled, `npm run build` first)", () => {
  it('arm no timer that fires within Node’s longest delay while no client is connected', async () => {
    // NODE_DEBUG=timer makes Node log each timer list (one per delay) it creates; the server listens, then exits.
    const script = `const { ConnectionGuard } = require(${JSON.stringify(COMPILED)});
      const { guardedServer } = require(${JSON.stringify(COMPILED_SERVERS)});
      const server = guardedServer(new ConnectionGuard(4, () => {}), (req, res) => res.end());
      server.listen(0, '127.0.0.1', () => process.exit(0));`;
    const { code, stderr } = await exec(process.execPath, ['-e', script], {
      env: { ...process.env, NODE_DEBUG: 'timer' },
    });
    expect(code).toBe(0);
    const delays = [...stderr.matchAll(/no (\d+) list was found in insert/g)].map((m) => Number(m[1]));
    expect(delays).toEqual([MAX_TIMER_MS]);
  });
});

describe("the sidecar's servers with a stalled client", () => {
  it('close a connection that stops sending in the middle of its headers', async () => {
    const server = guardedServer(new ConnectionGuard(4, () => {}), (_req, res) => res.end('ok'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.write('GET / HTTP/1.1\r\nHost: h\r\n');
      const closed = new Promise((done) => socket.once('close', done));
      socket.resume();
      // Bounded by the test's timeout: Node's own header timeout would only be checked after 30 s.
      await closed;
      expect(socket.destroyed).toBe(true);
    } finally {
      server.close();
    }
  }, 20_000);

  it("close a connection that trickles its headers a byte a second, and still answer the next connection's request", async () => {
    const server = guardedServer(new ConnectionGuard(4, () => {}), (_req, res) => res.end('ok'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as AddressInfo).port;
    let timer: NodeJS.Timeout | undefined;
    try {
      const socket = connect(port, '127.0.0.1');
      socket.resume();
      const closed = new Promise((done) => socket.once('close', done));
      // Never silent for the 5 s socket timeout, and never done: 20 bytes of a header line that does not end.
      let sent = 0;
      timer = setInterval(() => {
        if (!socket.destroyed && sent++ < 20) socket.write(sent === 1 ? 'GET / HTTP/1.1\r\nX-Slow: ' : 'a');
      }, 1000);
      await closed;
      expect(sent).toBeLessThan(20);
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      expect(await answer.text()).toBe('ok');
    } finally {
      clearInterval(timer);
      server.close();
    }
  }, 30_000);
});
