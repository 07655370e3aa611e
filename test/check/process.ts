/** `imds-emulator` (emulator/bin, compiled) as a process, without the caller's AWS_* and IMDS_EMULATOR_* variables. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(__dirname, '../../emulator/bin/imds-emulator.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[]): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('AWS_') && !key.startsWith('IMDS_EMULATOR_')) env[key] = value;
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
