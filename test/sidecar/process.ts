/** The compiled sidecar CLI as a child process (`npm run build` first), with scrubbed IMDS_EMULATOR_* variables. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { collectOutput } from '../support/exec';
import { stopProcess } from '../support/moto';
import { type TempDir, tempDir } from './harness';

const BIN = resolve(__dirname, '../../emulator/bin/imds-emulator.js');

export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; at: number }>;
  /** The JSON log lines written to stdout so far. */
  logs(): Record<string, unknown>[];
}

/** Starts `imds-emulator sidecar <args>`; `prefix` runs it under another command (e.g. `prlimit --nofile=…`). */
function startSidecarProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  prefix: readonly string[] = [],
): SidecarProcess {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('IMDS_EMULATOR_')) clean[k] = v;
  const command = [...prefix, process.execPath, BIN, 'sidecar', ...args];
  const child = spawn(command[0], command.slice(1), {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<{ code: number | null; at: number }>((done) =>
    child.once('exit', (code) => done({ code, at: Date.now() })),
  );
  const logs = () =>
    output()
      .stdout.split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, output, exited, logs };
}

export interface SidecarProcesses {
  /** This test's temp dir, with a service-account token in `tokenFile`. */
  readonly dir: TempDir;
  /** startSidecarProcess(), stopped after the test. */
  run(args: readonly string[], env?: NodeJS.ProcessEnv, prefix?: readonly string[]): SidecarProcess;
}

/** Registers jest hooks: a fresh temp dir with a token before each test; every process stopped, the dir removed after. */
export function sidecarProcesses(): SidecarProcesses {
  const procs: SidecarProcess[] = [];
  let dir: TempDir | undefined;
  beforeEach(() => {
    dir = tempDir();
    dir.writeToken();
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => stopProcess(p.child)));
    dir?.remove();
  });
  return {
    get dir() {
      if (dir === undefined) throw new Error('sidecarProcesses().dir is only set inside a test');
      return dir;
    },
    run(args, env = {}, prefix = []) {
      const proc = startSidecarProcess(args, env, prefix);
      procs.push(proc);
      return proc;
    },
  };
}
