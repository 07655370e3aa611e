import { DEFAULT_LOG_LEVEL, envName, SIDECAR_FLAGS } from '@imds-emulator/contract';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Field paths whose values are credentials or bearer tokens. pino replaces them before a line is written, so a
 * careless `log.info({ credentials })` can never leak a secret.
 */
export const REDACTED_PATHS = [
  'token',
  'webIdentityToken',
  'WebIdentityToken',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'Token',
  'credentials',
  'Credentials',
  'tlsKey',
  'privateKey',
  'headers["x-aws-ec2-metadata-token"]',
  'headers.authorization',
  '*.token',
  '*.secretAccessKey',
  '*.SecretAccessKey',
  '*.sessionToken',
  '*.SessionToken',
  '*.Token',
  '*.privateKey',
];

/** One JSON line per event on stdout, tagged with the component that wrote it. */
export function createLogger(
  component: string,
  options: { level?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const level = options.level ?? process.env[envName(SIDECAR_FLAGS.logLevel.name)] ?? DEFAULT_LOG_LEVEL;
  return pino(
    {
      level,
      base: { component },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
