import { Command, CommanderError } from 'commander';
import { checkCommand } from './check/command';
import { initCommand } from './init/command';
import { sidecarCommand } from './sidecar/command';
import { webhookCommand } from './webhook/command';

// Kept in step with emulator/package.json by the build; read at run time so the image and npm agree.
const { version } = require('../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('imds-emulator')
    .description('A per-pod EC2 instance metadata service (IMDS) backed by STS web identity.')
    .version(version);
  for (const command of [sidecarCommand(), webhookCommand(), initCommand(), checkCommand()]) {
    // commander's own usage errors (unknown flag, missing value) throw instead of exiting 1, so they exit 2 as well.
    program.addCommand(command.exitOverride());
  }
  return program.exitOverride().showHelpAfterError();
}

/** Runs the command line; a usage or start-up error is printed as one line and exits 2. */
export function main(argv: string[] = process.argv): void {
  // Node opens its inspector (a debugger with full control of the process, on 127.0.0.1:9229) on SIGUSR1 unless a
  // listener takes the signal: anyone in the pod able to signal the process could otherwise use it. The image also
  // starts Node with --disable-sigusr1, which covers the time before this line runs.
  process.on('SIGUSR1', () => {});
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      // commander has printed its own message (or the help, or the version: exit code 0).
      if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
      process.stderr.write(`imds-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    });
}

if (require.main === module) main();
