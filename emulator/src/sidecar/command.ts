/** `imds-emulator sidecar`: the command line around startSidecar(). */
import { accessSync, constants } from 'node:fs';
import { SIDECAR_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { flagError, parseFlags, type RawFlags, withFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { parseSidecarConfig } from './config';
import { writeTerminationMessage } from './termination-message';
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
  // Stopping without credentials after a failed STS call is a failure: exit 1 with the failure and its fix where
  // `kubectl describe pod` shows it (the startup probe's kill otherwise reads as `Completed`, exit 0). A healthy stop
  // stays exit 0.
  const exitCode = (): number => {
    const failure = sidecar.failure();
    if (failure === undefined) return 0;
    writeTerminationMessage(config.terminationMessagePath, failure, sidecar.fixContext, log);
    return 1;
  };
  onShutdown(log, (signal) => {
    // The app in the same pod may still need credentials while it shuts down: keep answering for a while. Without
    // credentials after a failure there is nothing to answer, and exiting at once writes the termination message
    // before a short grace period can end in SIGKILL.
    const drainSeconds = sidecar.failure() === undefined ? config.drainSeconds : 0;
    log.info({ signal, drainSeconds }, 'draining before exit');
    sidecar.drain();
    setTimeout(() => {
      sidecar.stop().then(
        () => {
          const code = exitCode();
          log.info({ exitCode: code }, 'stopped');
          process.exit(code);
        },
        (err: Error) => {
          log.error({ error: err.message }, 'stopping failed');
          exitCode();
          process.exit(1);
        },
      );
    }, drainSeconds * 1000);
  });
}

export function sidecarCommand(): Command {
  const command = new Command('sidecar').description(
    'Serve IMDS credentials for one pod from STS AssumeRoleWithWebIdentity.',
  );
  return withFlags(command, SIDECAR_FLAGS, run);
}
