/** `imds-emulator sidecar`: the command line around startSidecar(). */
import { accessSync, constants } from 'node:fs';
import { Command, Option } from 'commander';
import { addFlags, envName, optionKey } from '../common/flags';
import { createLogger } from '../common/logger';
import { ConfigError, integerFlag, parseSidecarConfig, type RawOptions, SIDECAR_FLAGS } from './config';
import { waitReady } from './wait-ready';

/** commander's camelCase option keys back to flag names. */
function rawOptions(options: Record<string, unknown>): RawOptions {
  const raw: Record<string, string | undefined> = {};
  for (const flag of SIDECAR_FLAGS) {
    const value = options[optionKey(flag.name)];
    raw[flag.name] = typeof value === 'string' ? value : undefined;
  }
  return raw;
}

function checkTokenFile(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(
      `--token-file (${envName('token-file')}): cannot read ${path} (${reason}); mount the projected ` +
        'service-account token there or point --token-file at it',
    );
  }
}

/** Each starts the drain; a repeat is ignored. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

async function run(options: Record<string, unknown>): Promise<void> {
  const raw = rawOptions(options);
  if (options.waitReady) {
    await waitReady(integerFlag(raw, 'health-port', 1, 65535));
    return;
  }
  const config = parseSidecarConfig(raw);
  checkTokenFile(config.tokenFile);
  const log = createLogger('sidecar', { level: config.logLevel });
  // Loaded only here: `--wait-ready` (a postStart hook) and the other commands do without the STS client and servers.
  const { startSidecar } = await import('./sidecar');
  const sidecar = await startSidecar(config, { log });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    // A repeated signal (an impatient runtime, a shell's ^C twice) must not cut the drain or requests in flight.
    if (stopping) {
      log.info({ signal }, 'already draining; signal ignored');
      return;
    }
    stopping = true;
    // The app in the same pod may still need credentials while it shuts down: keep answering for a while.
    log.info({ signal, drainSeconds: config.drainSeconds }, 'draining before exit');
    sidecar.drain();
    setTimeout(() => {
      sidecar.stop().then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (err: Error) => {
          log.error({ error: err.message }, 'stopping failed');
          process.exit(1);
        },
      );
    }, config.drainSeconds * 1000);
  };
  // SIGHUP too: its default action would end the process at once, without the drain.
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutdown(signal));
}

export function sidecarCommand(): Command {
  const command = new Command('sidecar').description(
    'Serve IMDS credentials for one pod from STS AssumeRoleWithWebIdentity.',
  );
  return addFlags(command, SIDECAR_FLAGS)
    .addOption(
      new Option(
        '--wait-ready',
        'do not serve: wait until the sidecar on --health-port is ready, then exit 0 (postStart hook)',
      ).env(envName('wait-ready')),
    )
    .action(run);
}
