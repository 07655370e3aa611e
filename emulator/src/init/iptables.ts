import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from './backend';
import { describeToolFailure, InitError, missingTool, toolTimedOut } from './errors';
import type { Family } from './rules';

/** The tool of one backend and family, e.g. `ip6tables-legacy-restore`; both backends ship these names. */
export function toolName(family: Family, backend: Backend, kind: 'save' | 'restore'): string {
  return `${family === 'ipv4' ? 'iptables' : 'ip6tables'}-${backend}-${kind}`;
}

/**
 * Each iptables tool run is killed after this long. In a pod's own network namespace the tools take milliseconds (a
 * few hundred under arm64 emulation); one that hangs (a stuck netlink call, a wedged lock) would otherwise keep the
 * pod in init forever with nothing logged, while failing lets the kubelet retry with its back-off.
 */
export const TOOL_TIMEOUT_MS = 10_000;

/**
 * Runs an iptables tool without a shell, feeding `input` on stdin. Resolves with stdout; a missing binary, a
 * non-zero exit or a run longer than TOOL_TIMEOUT_MS becomes an InitError that names the cause and the fix.
 */
export function runTool(
  tool: string,
  args: readonly string[],
  input?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    // Until the pipes close: rejects even if the killed tool's pipes stay open (a child of it may hold them).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new InitError(toolTimedOut(tool, TOOL_TIMEOUT_MS)));
    }, TOOL_TIMEOUT_MS);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new InitError(err.code === 'ENOENT' ? missingTool(tool) : `${tool}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new InitError(describeToolFailure(tool, code, stderr)));
    });
    // A tool that exits before reading stdin closes the pipe; its exit status tells the story, not EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

export async function save(family: Family, backend: Backend, table?: string): Promise<string> {
  return runTool(
    toolName(family, backend, 'save'),
    table ? ['-t', table] : [],
    undefined,
    await toolEnv(backend),
  );
}

export async function restore(family: Family, backend: Backend, input: string): Promise<void> {
  await runTool(toolName(family, backend, 'restore'), ['--noflush'], input, await toolEnv(backend));
}

/**
 * iptables-legacy serialises writers with a lock file, /run/xtables.lock, and fails outright when it cannot create
 * it — as under `readOnlyRootFilesystem`. The lock only orders processes that share the file; in a pod's own
 * namespace the init container is the only writer, so a private lock file in a writable directory is as good.
 * An XTABLES_LOCKFILE set by the user is kept. iptables-nft takes no lock file.
 */
async function toolEnv(backend: Backend): Promise<NodeJS.ProcessEnv> {
  if (backend !== 'legacy' || process.env.XTABLES_LOCKFILE) return process.env;
  for (const dir of ['/run', '/dev/shm', tmpdir()]) {
    if (await writable(dir)) {
      return dir === '/run' ? process.env : { ...process.env, XTABLES_LOCKFILE: join(dir, 'xtables.lock') };
    }
  }
  // None writable: the tool's own error names the lock file, and describeToolFailure says what to do.
  return process.env;
}

async function writable(dir: string): Promise<boolean> {
  try {
    await access(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the legacy backend has any table in this namespace. The kernel lists them in /proc/net, readable
 * without capabilities, so a namespace that never used legacy iptables is recognised without running
 * iptables-legacy-save (which needs NET_RAW and, on a node without the ip_tables module, would fail).
 */
export async function legacyTablesPresent(family: Family): Promise<boolean> {
  const file = family === 'ipv4' ? '/proc/net/ip_tables_names' : '/proc/net/ip6_tables_names';
  return (await readOptional(file)).trim() !== '';
}

/** Contents of /proc/net/if_inet6 (empty when the kernel has no IPv6). */
export function readInet6Addresses(): Promise<string> {
  return readOptional('/proc/net/if_inet6');
}

async function readOptional(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
