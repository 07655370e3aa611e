/**
 * The injected init step (`imds-emulator init`: iptables REDIRECT rules) run as the image runs it, in a network
 * namespace of its own with only loopback, under GNU time: wall-clock, CPU and the peak RSS of the largest process
 * (Node, or an iptables it runs). Needs root and `ip`, `iptables` and /usr/bin/time on the machine.
 */
import { exec, execOk } from '../../test/support/exec';

export interface InitStep {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
}

/** Runs `<command> init` (command: the image's ENTRYPOINT, image-node.ts) in a fresh network namespace `name`. */
export async function runInitStep(command: readonly string[], name: string): Promise<InitStep> {
  await execOk('ip', ['netns', 'add', name]);
  try {
    await execOk('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    // GNU time writes its line to stderr after the command's own (pino's logs go to stdout).
    const run = await exec('ip', [
      ...['netns', 'exec', name, '/usr/bin/time', '-f', 'TIME %e %U %S %M'],
      ...[...command, 'init'],
    ]);
    if (run.code !== 0) throw new Error(`imds-emulator init exited ${run.code}:\n${run.stderr}${run.stdout}`);
    const [wall, user, system, maxKiB] = (/^TIME (\S+) (\S+) (\S+) (\d+)$/m.exec(run.stderr) ?? [])
      .slice(1)
      .map(Number);
    if (!Number.isFinite(maxKiB)) throw new Error(`no GNU time line in:\n${run.stderr}`);
    return { wallMs: wall * 1000, cpuMs: (user + system) * 1000, maxRssMiB: maxKiB / 1024 };
  } finally {
    await execOk('ip', ['netns', 'delete', name]).catch(() => undefined);
  }
}
