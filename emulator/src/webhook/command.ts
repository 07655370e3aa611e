import { WEBHOOK_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { withFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { parseWebhookConfig } from './server/config';

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export function webhookCommand(): Command {
  const command = new Command('webhook').description(
    'Run the admission webhook that injects the emulator into opted-in pods. Every flag can also be set by the ' +
      'environment variable shown; the flag wins.',
  );
  return withFlags(command, WEBHOOK_FLAGS, async (raw) => {
    const config = parseWebhookConfig(raw, process.env);
    const logger = createLogger('webhook', { level: config.logLevel });
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
