/**
 * The `imds-emulator sidecar` command line as data, and its validation. Pure: it turns the raw strings commander
 * collected (flag, else IMDS_EMULATOR_* env, else default) into a typed config, or throws a ConfigError naming the
 * flag to fix.
 */
import { hostname } from 'node:os';
import { parseRoleArn, REGION, type RoleArn } from '../common/aws-names';
import { envName, type FlagSpec } from '../common/flags';
import { sessionName } from './session-name';

export const DEFAULT_TOKEN_FILE = '/var/run/secrets/imds-emulator/token';

export const SIDECAR_FLAGS: readonly FlagSpec[] = [
  {
    name: 'role-arn',
    description: 'IAM role to assume, arn:<partition>:iam::<account>:role/<path/>name (required)',
  },
  {
    name: 'token-file',
    default: DEFAULT_TOKEN_FILE,
    description: 'projected service-account token, re-read for every STS call',
  },
  { name: 'port', default: '16925', description: 'IMDS port, bound to 127.0.0.1 and ::1 only' },
  {
    name: 'health-port',
    default: '16926',
    description: 'port for /healthz, /readyz, /metrics (all interfaces)',
  },
  { name: 'region', description: 'STS region (default: AWS_REGION, else us-east-1)' },
  { name: 'sts-endpoint', description: 'STS endpoint URL (default: the regional endpoint of --region)' },
  { name: 'http-tokens', default: 'optional', description: 'optional or required (IMDSv2 only)' },
  { name: 'session-duration', default: '3600', description: 'STS DurationSeconds, 900..43200' },
  { name: 'pod-namespace', description: "the pod's namespace (downward API), for the STS session name" },
  {
    name: 'pod-name',
    description: "the pod's name (downward API; default: the host name), for the session name",
  },
  { name: 'service-account', description: "the pod's service account (downward API), for logs" },
  { name: 'drain-seconds', default: '5', description: 'keep serving this long after SIGTERM, then exit 0' },
  { name: 'log-level', default: 'info', description: 'trace, debug, info, warn, error, fatal or silent' },
];

export type HttpTokens = 'optional' | 'required';

export interface SidecarConfig {
  readonly role: RoleArn;
  readonly tokenFile: string;
  /** 0 lets the OS choose (tests); the CLI accepts 1..65535. */
  readonly port: number;
  readonly healthPort: number;
  readonly region: string;
  readonly stsEndpoint?: string;
  readonly httpTokens: HttpTokens;
  readonly sessionDuration: number;
  readonly sessionName: string;
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly serviceAccount?: string;
  readonly drainSeconds: number;
  readonly logLevel: string;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Raw option values keyed by flag name (`role-arn`), as strings; absent when neither flag nor env set them. */
export type RawOptions = Readonly<Record<string, string | undefined>>;

function problem(flag: string, message: string): ConfigError {
  return new ConfigError(`--${flag} (${envName(flag)}): ${message}`);
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}

export function integerFlag(raw: RawOptions, flag: string, min: number, max: number): number {
  const value = raw[flag] ?? SIDECAR_FLAGS.find((f) => f.name === flag)?.default ?? '';
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw problem(flag, `${quoted(value)} is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function stsEndpoint(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem(
      'sts-endpoint',
      `${quoted(value)} is not a URL; use e.g. https://sts.eu-west-1.amazonaws.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw problem('sts-endpoint', `${quoted(value)} must be an http:// or https:// URL`);
  }
  return value;
}

/** Validates everything; `env` supplies AWS_REGION and `host` the session-name fallback. */
export function parseSidecarConfig(
  raw: RawOptions,
  env: NodeJS.ProcessEnv = process.env,
  host: string = hostname(),
): SidecarConfig {
  const roleArn = raw['role-arn'];
  if (!roleArn) throw problem('role-arn', 'is required, e.g. arn:aws:iam::123456789012:role/my-app');
  const role = parseRoleArn(roleArn);
  if (!role) {
    throw problem(
      'role-arn',
      `${quoted(roleArn)} is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<optional/path/>name)`,
    );
  }
  const region = raw.region || env.AWS_REGION || 'us-east-1';
  if (!REGION.test(region))
    throw problem('region', `${quoted(region)} is not an AWS region name such as eu-west-1`);
  const httpTokens = raw['http-tokens'] ?? 'optional';
  if (httpTokens !== 'optional' && httpTokens !== 'required') {
    throw problem('http-tokens', `${quoted(httpTokens)} must be optional or required`);
  }
  const logLevel = raw['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw problem('log-level', `${quoted(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  const tokenFile = raw['token-file'] || DEFAULT_TOKEN_FILE;
  const port = integerFlag(raw, 'port', 1, 65535);
  const healthPort = integerFlag(raw, 'health-port', 1, 65535);
  if (port === healthPort) throw problem('health-port', `${healthPort} must differ from --port`);
  const podNamespace = raw['pod-namespace'] || undefined;
  const podName = raw['pod-name'] || undefined;
  return {
    role,
    tokenFile,
    port,
    healthPort,
    region,
    stsEndpoint: stsEndpoint(raw['sts-endpoint']),
    httpTokens,
    sessionDuration: integerFlag(raw, 'session-duration', 900, 43200),
    sessionName: sessionName(podNamespace, podName, host),
    podNamespace,
    podName,
    serviceAccount: raw['service-account'] || undefined,
    drainSeconds: integerFlag(raw, 'drain-seconds', 0, 3600),
    logLevel,
  };
}
