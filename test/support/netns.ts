import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { type ExecOptions, type ExecResult, exec } from './exec';
import { stopProcess } from './moto';

/**
 * Throw-away network namespaces for tests (root only). Each holds a veth pair with both ends inside it (this
 * kernel has no dummy interfaces), a "pod" address on one end and default routes via an unassigned gateway
 * `onlink`: any destination, 169.254.169.254 and fd00:ec2::254 included, is routable, yet nothing can leave the
 * namespace. Namespaces are deleted by destroy(), on process exit or signal, and — if a run crashed — by the next
 * createNetns() with the same prefix.
 */

export interface NetnsOptions {
  /** Name prefix; namespaces are named `<prefix>-<pid>-<n>` so stale ones of dead processes can be found. */
  readonly prefix?: string;
  /** false: IPv6 disabled in the namespace (no ::1), like a pod on an IPv4-only node with IPv6 turned off. */
  readonly ipv6?: boolean;
}

export type CommandResult = ExecResult;
export type RunOptions = ExecOptions;

export interface TestNetns {
  readonly name: string;
  /** The "pod" addresses on veth0 (the source of connections that leave via the default route). */
  readonly podIPv4: string;
  readonly podIPv6?: string;
  /** Runs `command` inside the namespace; resolves with its exit code and output, whatever the exit code. */
  run(command: string, args?: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Starts a long-running process inside the namespace; destroy() stops it. */
  spawn(command: string, args?: readonly string[], options?: { env?: NodeJS.ProcessEnv }): ChildProcess;
  /** Stops every process in the namespace and deletes it. Safe to call more than once. */
  destroy(): Promise<void>;
}

export const POD_IPV4 = '10.200.0.2';
export const POD_IPV6 = 'fd00:200::2';
const DEFAULT_PREFIX = 'imdstest';

const live = new Set<string>();
let counter = 0;

/** `ip`, found once on the test's PATH, so commands may run inside with any PATH of their own. */
const IP = (() => {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, 'ip'), constants.X_OK);
      return join(dir, 'ip');
    } catch {
      // not in this directory
    }
  }
  return 'ip';
})();

export async function createNetns(options: NetnsOptions = {}): Promise<TestNetns> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const ipv6 = options.ipv6 ?? true;
  removeStaleNetns(prefix);
  installExitHandlers();
  const name = `${prefix}-${process.pid}-${counter++}`;
  ip(['netns', 'add', name]);
  live.add(name);
  const children = new Set<ChildProcess>();
  const netns: TestNetns = {
    name,
    podIPv4: POD_IPV4,
    podIPv6: ipv6 ? POD_IPV6 : undefined,
    run: (command, args = [], runOptions = {}) => runIn(name, command, args, runOptions),
    spawn: (command, args = [], spawnOptions = {}) => {
      const child = spawn(IP, ['netns', 'exec', name, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: spawnOptions.env ?? process.env,
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    destroy: async () => {
      await Promise.all([...children].map((child) => stopProcess(child)));
      deleteNetns(name);
    },
  };
  try {
    const v6 = ipv6
      ? [`addr add ${POD_IPV6}/64 dev veth0 nodad`, 'route add default via fd00:200::1 dev veth0 onlink']
      : [];
    ip(
      ['-n', name, '-batch', '-'],
      [
        'link set lo up',
        'link add veth0 type veth peer name veth1',
        'link set veth0 up',
        'link set veth1 up',
        `addr add ${POD_IPV4}/24 dev veth0`,
        'route add default via 10.200.0.1 dev veth0 onlink',
        ...v6,
      ],
    );
    if (!ipv6) {
      const disabled = await runIn(
        name,
        'sh',
        ['-c', 'for c in all default lo; do echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done'],
        {},
      );
      if (disabled.code !== 0) throw new Error(`disabling IPv6 in ${name} failed: ${disabled.stderr}`);
    }
  } catch (err) {
    await netns.destroy();
    throw err;
  }
  return netns;
}

/** Deletes namespaces with `prefix` left behind by test processes that no longer run. */
export function removeStaleNetns(prefix = DEFAULT_PREFIX): void {
  const pattern = new RegExp(`^${prefix.replace(/[^\w-]/g, '\\$&')}-(\\d+)-\\d+$`);
  for (const line of execFileSync(IP, ['netns', 'list']).toString().split('\n')) {
    const name = line.split(' ')[0];
    const owner = pattern.exec(name)?.[1];
    if (owner && !processAlive(Number(owner))) deleteNetns(name);
  }
}

function runIn(
  name: string,
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  return exec(IP, ['netns', 'exec', name, command, ...args], {
    ...options,
    timeoutMs: options.timeoutMs ?? 20000,
  });
}

/** Kills whatever still runs in the namespace (processes tests started there), then deletes it. Synchronous. */
function deleteNetns(name: string): void {
  try {
    for (const pid of execFileSync(IP, ['netns', 'pids', name], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split(/\s+/)
      .filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    execFileSync(IP, ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already deleted
  }
  live.delete(name);
}

function ip(args: readonly string[], batch?: readonly string[]): void {
  try {
    execFileSync(IP, args, { input: batch ? `${batch.join('\n')}\n` : undefined, stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`ip ${args.join(' ')} failed (needs root): ${stderr.trim() || String(err)}`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanup = () => {
    for (const name of [...live]) deleteNetns(name);
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      // Re-raise with the default handler so the process still dies of the signal.
      process.kill(process.pid, signal);
    });
  }
}
