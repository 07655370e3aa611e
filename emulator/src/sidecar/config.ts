/**
 * The `imds-emulator sidecar` configuration. Pure: it turns the raw strings commander collected (flag, else
 * IMDS_EMULATOR_* env, else default) into a typed config by the contract's flag spec, or throws a ConfigError naming
 * the flag to fix.
 */
import { hostname } from 'node:os';
import { type HttpTokens, type RoleArn, SIDECAR_FLAGS } from '@imds-emulator/contract';
import { flagError, parseFlags, type RawFlags } from '../common/flags';
import { regionOf } from '../common/region';
import { sessionName } from './session-name';

export type { HttpTokens };

export interface SidecarConfig {
  readonly role: RoleArn;
  readonly tokenFile: string;
  /** 0 lets the OS choose (tests); the CLI accepts 1..65535. */
  readonly port: number;
  readonly healthPort: number;
  readonly region: string;
  readonly stsEndpoint?: string;
  readonly httpTokens: HttpTokens;
  /** Answer placement/region and the identity document (and the zone, when known). */
  readonly serveRegion: boolean;
  readonly availabilityZone?: string;
  readonly sessionDuration: number;
  readonly sessionName: string;
  readonly podNamespace?: string;
  readonly podName?: string;
  readonly serviceAccount?: string;
  readonly drainSeconds: number;
  /** Where the credential failure is written on exit without credentials (the kubelet shows it). */
  readonly terminationMessagePath: string;
  readonly logLevel: string;
}

/** Validates everything; `env` supplies AWS_REGION and `host` the session-name fallback. */
export function parseSidecarConfig(
  raw: RawFlags,
  env: NodeJS.ProcessEnv = process.env,
  host: string = hostname(),
): SidecarConfig {
  const { waitReady: _, roleArn, serveRegion, ...flags } = parseFlags(SIDECAR_FLAGS, raw);
  if (flags.port === flags.healthPort) {
    throw flagError(SIDECAR_FLAGS.healthPort, `${flags.healthPort} must differ from --port`);
  }
  return {
    ...flags,
    role: roleArn,
    region: regionOf(SIDECAR_FLAGS.region, flags.region, env),
    serveRegion: serveRegion === 'true',
    sessionName: sessionName(flags.podNamespace, flags.podName, host),
  };
}
