import { INIT_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { parseFlags, withFlags } from '../common/flags';
import { createLogger } from '../common/logger';
import { runInit } from './run';

export function initCommand(): Command {
  const command = new Command('init').description(
    'Redirect TCP to 169.254.169.254:80 and [fd00:ec2::254]:80 to the sidecar on loopback (init container; ' +
      'needs UID 0 with NET_ADMIN and NET_RAW).',
  );
  return withFlags(command, INIT_FLAGS, async (raw) => {
    const flags = parseFlags(INIT_FLAGS, raw);
    const log = createLogger('init');
    const result = await runInit(flags, log);
    log.info(result, 'init done');
  });
}
