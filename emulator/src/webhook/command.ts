import { WEBHOOK_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { withFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { onShutdown } from '../common/shutdown';
import { parseWebhookConfig } from './server/config';
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
    onShutdown(logger, (signal) => {
      logger.info({ signal }, 'shutting down: finishing requests in flight');
      webhook.close().finally(() => {
        // flush may never call back when stdout is gone (EPIPE): do not let that keep the process alive.
        setTimeout(() => process.exit(0), 1000).unref();
        logger.flush(() => process.exit(0));
      });
    });
  });
}
