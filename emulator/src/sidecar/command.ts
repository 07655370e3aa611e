/** `imds-emulator sidecar`: the command line around startSidecar(). */
import { accessSync, constants } from 'node:fs';
import { SIDECAR_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { flagError, parseFlags, type RawFlags, withFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { parseSidecarConfig } from './config';
import { waitReady } from './wait-ready';

function checkTokenFile(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw flagError(
      SIDECAR_FLAGS.tokenFile,
      `cannot read ${path} (${reason}); mount the projected service-account token there or point --token-file at it`,
    );
  }
}

async function run(raw: RawFlags): Promise<void> {
  // A postStart hook passes only --health-port: the other flags, --role-arn included, are not there to check.
  const { waitReady: wait, healthPort } = parseFlags(
    { waitReady: SIDECAR_FLAGS.waitReady, healthPort: SIDECAR_FLAGS.healthPort },
    raw,
  );
  if (wait) {
    await waitReady(healthPort);
    return;
  }
  const config = parseSidecarConfig(raw);
  checkTokenFile(config.tokenFile);
  const log = createLogger('sidecar', { level: config.logLevel });
  // Loaded only here: `--wait-ready` (a postStart hook) and the other commands do without the STS client and servers.
  const { startSidecar } = await import('./sidecar');
  const sidecar = await startSidecar(config, { log });
  onShutdown(log, (signal) => {
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
  });
}

export function sidecarCommand(): Command {
  const command = new Command('sidecar').description(
    'Serve IMDS credentials for one pod from STS AssumeRoleWithWebIdentity.',
  );
  return withFlags(command, SIDECAR_FLAGS, run);
}
