import { Command } from 'commander';
import pino from 'pino';
import { addFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { parseWebhookConfig, WEBHOOK_FLAGS } from './server/config';

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export function webhookCommand(): Command {
  const command = new Command('webhook').description(
    'Run the admission webhook that injects the emulator into opted-in pods. Every flag can also be set by the ' +
      'environment variable shown; the flag wins.',
  );
  return addFlags(command, WEBHOOK_FLAGS).action(async (options: Record<string, string | undefined>) => {
    const config = parseWebhookConfig(options, process.env);
    // Asynchronous stdout: one line per review written synchronously cost a tenth of the webhook's CPU under load.
    // pino flushes it when the process exits.
    const logger = createLogger('webhook', {
      level: config.logLevel,
      destination: pino.destination({ dest: 1, sync: false }),
    });
    // Loaded only here, so `imds-emulator init` and `sidecar` never load the webhook's TLS and Kubernetes libraries.
    const { startWebhook } = await import('./server/run');
    const webhook = await startWebhook(config, logger);
    // Repeats while draining are logged and ignored: a second SIGTERM (kubectl, a runtime retrying) or a Ctrl-C must not
    // cut the reviews in flight. SIGHUP (the terminal went away) drains the same way.
    let draining = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (draining) {
        logger.info({ signal }, 'already shutting down: still finishing requests in flight');
        return;
      }
      draining = true;
      logger.info({ signal }, 'shutting down: finishing requests in flight');
      webhook.close().finally(() => {
        // flush may never call back when stdout is gone (EPIPE): do not let that keep the process alive.
        setTimeout(() => process.exit(0), 1000).unref();
        logger.flush(() => process.exit(0));
      });
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, shutdown);
  });
}
