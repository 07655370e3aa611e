/** Failures of `imds-emulator init` that carry a message telling the user what to fix. */
export class InitError extends Error {
  override readonly name = 'InitError';
}

export const CAPABILITY_FIX =
  'the init container needs the NET_ADMIN and NET_RAW capabilities and must run as UID 0 ' +
  '(securityContext: runAsUser: 0, capabilities: {add: [NET_ADMIN, NET_RAW]})';

/** A UID other than 0 cannot read the kernel's table lists or, for the legacy backend, take the lock file. */
export function notRoot(uid: number): string {
  return `init runs as UID ${uid}: ${CAPABILITY_FIX}`;
}

export function toolTimedOut(tool: string, timeoutMs: number): string {
  return (
    `${tool} did not finish within ${timeoutMs / 1000} s and was killed: the node's netfilter may be hung or ` +
    'heavily contended; the kubelet restarts init (look for other iptables processes on the node)'
  );
}

/**
 * Turns a failed iptables tool run into a message naming the cause and the fix. Pure: looks only at the text.
 * Patterns: iptables-legacy "Fatal: can't open lock file /run/xtables.lock: Read-only file system",
 * iptables-nft "Could not fetch rule set generation id: Permission denied (you must be root)",
 * iptables-legacy "Cannot initialize: Permission denied", "can't initialize iptables table `nat': Table does not
 * exist (do you need to insmod?)".
 */
export function describeToolFailure(tool: string, exitCode: number | null, stderr: string): string {
  const detail = stderr.trim().split('\n').slice(0, 3).join(' | ');
  if (/can't open lock file/i.test(stderr)) {
    return (
      `${tool}: cannot create its lock file: give the init container a writable /run (e.g. an emptyDir volume) ` +
      `or set XTABLES_LOCKFILE to a writable path [${detail}]`
    );
  }
  if (/permission denied|operation not permitted|you must be root/i.test(stderr)) {
    return `${tool}: permission denied: ${CAPABILITY_FIX} [${detail}]`;
  }
  if (
    /table does not exist|do you need to insmod|unable to initialize table|protocol not supported/i.test(
      stderr,
    )
  ) {
    return (
      `${tool}: the kernel has no usable nat table for this backend: load the nat modules on the node ` +
      `(iptable_nat/ip6table_nat or nf_tables) or choose the other backend with --iptables-backend [${detail}]`
    );
  }
  return `${tool} failed (exit ${exitCode}): ${detail || 'no error output'}`;
}

export function missingTool(tool: string): string {
  return (
    `${tool} not found on PATH: the init image must ship iptables with both backends ` +
    '(iptables-nft-*, iptables-legacy-*, ip6tables-*), e.g. Debian package "iptables"'
  );
}
