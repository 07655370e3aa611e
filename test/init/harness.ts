import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, TestNetns } from '../support/netns';

/** Helpers for running the built `imds-emulator init` and plain HTTP peers inside a test namespace. */

/** The built command line (`npm run build` first). */
export const cli = join(__dirname, '..', '..', 'emulator', 'bin', 'imds-emulator.js');

export function runInit(
  ns: TestNetns,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; wrapper?: readonly string[]; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const command = [...(options.wrapper ?? []), process.execPath, cli, 'init', ...args];
  return ns.run(command[0], command.slice(1), { env: options.env, timeoutMs: options.timeoutMs });
}

/** Init must succeed; on failure the assertion shows its output. */
export async function initOk(ns: TestNetns, args: readonly string[]): Promise<CommandResult> {
  const result = await runInit(ns, args);
  if (result.code !== 0)
    throw new Error(`init ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

const LISTENER = `
const http = require('node:http');
const [port, name, ...hosts] = process.argv.slice(1);
let pending = hosts.length;
for (const host of hosts) {
  http
    .createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, local: req.socket.localAddress, remote: req.socket.remoteAddress, url: req.url }));
    })
    .listen(Number(port), host, () => { if (--pending === 0) console.log('listening'); });
}`;

/**
 * A Node HTTP server inside the namespace on `port` of each host (loopback only, as the sidecar binds), answering
 * with JSON naming itself and the addresses the connection arrived on. Resolves once every socket listens.
 */
export function startListener(
  ns: TestNetns,
  port: number,
  name: string,
  hosts: readonly string[] = ['127.0.0.1', '::1'],
): Promise<void> {
  const child = ns.spawn(process.execPath, ['-e', LISTENER, String(port), name, ...hosts]);
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`listener ${name} exited ${code}: ${output}`)));
  });
}

const CLIENT = `
const http = require('node:http');
const req = http.get(process.argv[1], { timeout: Number(process.argv[2]) }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => { console.error(err.message); process.exit(1); });`;

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** GET `url` from a client process inside the namespace. */
export async function httpGet(ns: TestNetns, url: string, timeoutMs = 5000): Promise<HttpAnswer> {
  const result = await ns.run(process.execPath, ['-e', CLIENT, url, String(timeoutMs)]);
  if (result.code !== 0) throw new Error(`GET ${url} from inside ${ns.name} failed: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as HttpAnswer;
}

/** The `nat` table as the given tool prints it, e.g. `iptables-legacy-save`. */
export async function natTable(ns: TestNetns, saveTool: string): Promise<string> {
  const result = await ns.run(saveTool, ['-t', 'nat']);
  if (result.code !== 0) throw new Error(`${saveTool} failed: ${result.stderr}`);
  return result.stdout;
}

/** The lines of an iptables-save dump that belong to the emulator: the jumps to its chain and the chain's rules. */
export function emulatorLines(save: string): string[] {
  return save.split('\n').filter((line) => /^-A (OUTPUT -j IMDS_EMULATOR$|IMDS_EMULATOR )/.test(line));
}

/** The rules of nat OUTPUT in order. */
export function outputRules(save: string): string[] {
  return save.split('\n').filter((line) => line.startsWith('-A OUTPUT '));
}

/** The fields of init's final `init done` log line. */
export function initSummary(result: CommandResult): { backend: string; families: string[] } {
  const done = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; backend: string; families: string[] })
    .find((entry) => entry.msg === 'init done');
  if (!done) throw new Error(`no "init done" line in:\n${result.stdout}${result.stderr}`);
  return { backend: done.backend, families: done.families };
}

/** The iptables tools init may run, e.g. `ip6tables-legacy-save`. */
export const IPTABLES_TOOLS = ['iptables', 'ip6tables'].flatMap((family) =>
  ['nft', 'legacy'].flatMap((backend) => ['save', 'restore'].map((kind) => `${family}-${backend}-${kind}`)),
);

export interface StalledTool {
  /** A PATH with every iptables tool, `tool` being a script that never finishes. */
  readonly path: string;
  /** PID of the stalled script once it has started, else undefined. */
  pid(): number | undefined;
  remove(): void;
}

/** A PATH on which `tool` hangs (it writes its PID, then sleeps for 10 minutes) and the other tools are real. */
export function stalledTool(tool: string): StalledTool {
  const dir = mkdtempSync(join(tmpdir(), 'imds-init-stalled-'));
  for (const other of IPTABLES_TOOLS.filter((t) => t !== tool)) {
    symlinkSync(execFileSync('which', [other]).toString().trim(), join(dir, other));
  }
  const pidFile = join(dir, 'stalled.pid');
  writeFileSync(join(dir, tool), `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 600\n`, { mode: 0o755 });
  return {
    path: `${dir}:/usr/bin:/bin`,
    pid: () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
