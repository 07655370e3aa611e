import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../common/logger';
import type { BackendRequest } from './backend';
import type { Ipv6Mode } from './ipv6';
import { runInit } from './run';

export const DEFAULT_PORT = 16925;

/** A TCP port number 1..65535, for commander's argParser. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a TCP port (1-65535).`);
  }
  return port;
}

interface RawOptions {
  port: number;
  iptablesBackend: BackendRequest;
  ipv6: Ipv6Mode;
}

export function initCommand(): Command {
  return new Command('init')
    .description(
      'Redirect TCP to 169.254.169.254:80 and [fd00:ec2::254]:80 to the sidecar on loopback (init container; ' +
        'needs UID 0 with NET_ADMIN and NET_RAW).',
    )
    .addOption(
      new Option('--port <port>', "the sidecar's IMDS port on loopback")
        .env('IMDS_EMULATOR_PORT')
        .argParser(parsePort)
        .default(DEFAULT_PORT),
    )
    .addOption(
      new Option(
        '--iptables-backend <backend>',
        'iptables backend; auto uses the one the namespace already uses',
      )
        .env('IMDS_EMULATOR_IPTABLES_BACKEND')
        .choices(['auto', 'nft', 'legacy'])
        .default('auto'),
    )
    .addOption(
      new Option('--ipv6 <mode>', 'also redirect [fd00:ec2::254]; auto: when the namespace has IPv6')
        .env('IMDS_EMULATOR_IPV6')
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .action(async (raw: RawOptions) => {
      const log = createLogger('init');
      const result = await runInit(raw, log);
      log.info(result, 'init done');
    });
}
