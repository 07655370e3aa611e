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

/** REDACTED_PATHS split by shape, once: top-level keys, `*.key` (any second level) and `parent.key` pairs. */
const TOP_SECRETS = new Set<string>();
const ANY_PARENT_SECRETS: string[] = [];
const NAMED_PARENT_SECRETS = new Map<string, string[]>();
for (const path of REDACTED_PATHS) {
  const [parent, key] = path.replace(/\["([^"]+)"\]/, '.$1').split('.');
  if (key === undefined) TOP_SECRETS.add(parent);
  else if (parent === '*') ANY_PARENT_SECRETS.push(key);
  else NAMED_PARENT_SECRETS.set(parent, [...(NAMED_PARENT_SECRETS.get(parent) ?? []), key]);
}
for (const [parent, keys] of NAMED_PARENT_SECRETS)
  NAMED_PARENT_SECRETS.set(parent, [...keys, ...ANY_PARENT_SECRETS]);

/**
 * The redaction of createLogger (same paths, same censor), done with plain key lookups. pino's own redaction re-parses
 * every path for every value of every line (about 8 µs a line); this costs a few hundred nanoseconds. The logged object
 * is never modified: a copy is made only when something is redacted.
 */
export function redactSecretFields(object: object): object {
  const source = object as Record<string, unknown>;
  let out = source;
  const set = (key: string, value: unknown) => {
    if (out === source) out = { ...source };
    out[key] = value;
  };
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (TOP_SECRETS.has(key)) {
      set(key, '[redacted]');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    let inner: Record<string, unknown> | undefined;
    for (const secret of NAMED_PARENT_SECRETS.get(key) ?? ANY_PARENT_SECRETS) {
      if (!Object.hasOwn(value, secret)) continue;
      const copy = inner ?? ((Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>);
      copy[secret] = '[redacted]';
      inner = copy;
    }
    if (inner) set(key, inner);
  }
  return out;
}

/**
 * A child logger for per-request lines on a hot path: the same output and the same redaction as its parent from
 * createLogger, with the redaction done by redactSecretFields instead of pino's.
 */
export function hotPathChild(logger: Logger, bindings: pino.Bindings): Logger {
  return logger.child(bindings, { redact: [], formatters: { log: redactSecretFields } });
}
