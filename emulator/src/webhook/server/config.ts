/**
 * The `imds-emulator webhook` configuration. Pure: it turns the raw strings commander collected (flag, else
 * IMDS_EMULATOR_* env, else default) into a typed config by the contract's flag spec, or throws a ConfigError naming
 * the flag.
 */
import { DNS1123_LABEL, WEBHOOK_FLAGS as F, type Flag, mustBe } from '@imds-emulator/contract';
import { type FlagValues, flagError, parseFlags, type RawFlags } from '../../common/flags';
import type { InjectionSettings, SidecarMode, StsCaBundle } from '../admission';

export type CertSource =
  | { mode: 'files'; certFile: string; keyFile: string }
  | {
      mode: 'self-managed';
      secretName: string;
      webhookConfiguration: string;
      serviceName: string;
      namespace: string;
      caValiditySeconds: number;
      certValiditySeconds: number;
      syncSeconds: number;
    };

export interface WebhookConfig {
  port: number;
  healthPort: number;
  bindAddress?: string;
  certs: CertSource;
  namespace?: string;
  sidecarMode: SidecarMode | 'auto';
  logLevel: string;
  settings: InjectionSettings;
}

type Values = FlagValues<typeof F>;

const SELF_MANAGED = 'with --cert-mode self-managed';

function required<T>(flag: Flag<T>, value: T | undefined, why: string): T {
  if (value === undefined) throw flagError(flag, `is required ${why}`);
  return value;
}

function certSource(v: Values, namespace: string | undefined): CertSource {
  if (v.certMode === 'files') return { mode: 'files', certFile: v.tlsCert, keyFile: v.tlsKey };
  if (v.caValiditySeconds < v.certValiditySeconds) {
    throw flagError(
      F.caValiditySeconds,
      `must be at least --cert-validity-seconds (${v.certValiditySeconds})`,
    );
  }
  return {
    mode: 'self-managed',
    secretName: required(F.certSecret, v.certSecret, SELF_MANAGED),
    webhookConfiguration: required(F.webhookConfiguration, v.webhookConfiguration, SELF_MANAGED),
    serviceName: required(F.serviceName, v.serviceName, SELF_MANAGED),
    namespace: required(F.namespace, namespace, `${SELF_MANAGED} (or set POD_NAMESPACE)`),
    caValiditySeconds: v.caValiditySeconds,
    certValiditySeconds: v.certValiditySeconds,
    syncSeconds: v.certSyncSeconds,
  };
}

/** The CA bundle the sidecars trust for --sts-endpoint, from a ConfigMap or a Secret, if either is named. */
function stsCaBundle(
  configMap: string | undefined,
  secret: string | undefined,
  key: string,
): StsCaBundle | undefined {
  if (configMap !== undefined) return { source: 'configMap', name: configMap, key };
  if (secret !== undefined) return { source: 'secret', name: secret, key };
  return undefined;
}

/** --namespace, else the downward API's POD_NAMESPACE, checked by the same rule. */
function ownNamespace(flag: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const fromEnv = env.POD_NAMESPACE || undefined;
  if (flag !== undefined || fromEnv === undefined) return flag;
  if (!DNS1123_LABEL.accepts(fromEnv))
    throw flagError(F.namespace, `POD_NAMESPACE ${mustBe(DNS1123_LABEL, fromEnv)}`);
  return fromEnv;
}

/**
 * Validates the raw option values (already merged flag > env > default by commander). `env` supplies POD_NAMESPACE,
 * the downward-API fallback for --namespace.
 */
export function parseWebhookConfig(
  raw: RawFlags,
  env: Record<string, string | undefined> = {},
): WebhookConfig {
  const v = parseFlags(F, raw);
  if (v.port === v.healthPort) throw flagError(F.healthPort, `must differ from --port (${v.port})`);
  if (v.sidecarPort === v.sidecarHealthPort) {
    throw flagError(F.sidecarHealthPort, `must differ from --sidecar-port (${v.sidecarPort})`);
  }
  if (v.stsCaBundleConfigmap !== undefined && v.stsCaBundleSecret !== undefined) {
    throw flagError(F.stsCaBundleSecret, `must not be set together with --${F.stsCaBundleConfigmap.name}`);
  }
  const namespace = ownNamespace(v.namespace, env);
  return {
    port: v.port,
    healthPort: v.healthPort,
    bindAddress: v.bindAddress,
    certs: certSource(v, namespace),
    namespace,
    sidecarMode: v.sidecarMode,
    logLevel: v.logLevel,
    settings: {
      image: v.image,
      imagePullPolicy: v.imagePullPolicy,
      sidecarPort: v.sidecarPort,
      sidecarHealthPort: v.sidecarHealthPort,
      defaultRegion: v.defaultRegion,
      defaultHttpTokens: v.defaultHttpTokens,
      defaultSessionDuration: v.defaultSessionDuration,
      defaultServeRegion: v.defaultServeRegion === 'true',
      stsEndpoint: v.stsEndpoint,
      stsCaBundle: stsCaBundle(v.stsCaBundleConfigmap, v.stsCaBundleSecret, v.stsCaBundleKey),
      tokenAudience: v.tokenAudience,
      tokenExpirationSeconds: v.tokenExpiration,
      resources: {
        cpuRequest: v.sidecarCpuRequest,
        memoryRequest: v.sidecarMemoryRequest,
        cpuLimit: v.sidecarCpuLimit,
        memoryLimit: v.sidecarMemoryLimit,
      },
      enforceNamespacePolicy: v.namespacePolicy === 'true',
      classicJobPods: v.classicJobPods,
    },
  };
}
