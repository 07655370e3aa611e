/** The compiled sidecar CLI as a child process (`npm run build` first), with scrubbed IMDS_EMULATOR_* variables. */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { collectOutput } from '../support/exec';

export const BIN = resolve(__dirname, '../../emulator/bin/imds-emulator.js');

export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; at: number }>;
  /** The JSON log lines written to stdout so far. */
  logs(): Record<string, unknown>[];
}

/** Starts `imds-emulator sidecar <args>`; `prefix` runs it under another command (e.g. `prlimit --nofile=…`). */
export function startSidecarProcess(
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
