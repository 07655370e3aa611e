/** Defaults and ranges of an install (the constructs' props and the chart's values) that no command-line flag carries. */
import { WEBHOOK_FLAGS } from './flags';
import { enumRule, intRule } from './rule';

/** Name and namespace of an install. */
export const DEFAULT_NAME = 'imds-emulator';
export const DEFAULT_NAMESPACE = 'imds-emulator';
/** How the webhook gets its certificate (the constructs' `CertificateMode`, the chart's `certificate.mode`). */
export const CERTIFICATE_MODE = enumRule(['selfManaged', 'certManager'] as const);
/** The cert-manager issuer a user names, unless they give its kind and group. */
export const DEFAULT_ISSUER_KIND = 'Issuer';
export const DEFAULT_ISSUER_GROUP = 'cert-manager.io';

/** Webhook replicas. */
export const REPLICAS = intRule(1, 100);
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_FAILURE_POLICY = 'Fail' as const;
/** Webhook call timeout: the API server allows 1..30 seconds. */
export const TIMEOUT_SECONDS = intRule(1, 30);
export const DEFAULT_TIMEOUT_SECONDS = 5;

/** CPU and memory requests and limits of a container. */
export interface Resources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit: string;
  readonly memoryLimit: string;
}

/** Resources of the webhook container. */
export const WEBHOOK_RESOURCES: Resources = {
  cpuRequest: '50m',
  memoryRequest: '64Mi',
  cpuLimit: '500m',
  memoryLimit: '256Mi',
};

/** Resources of each injected sidecar: the webhook's defaults. */
export const SIDECAR_RESOURCES: Resources = {
  cpuRequest: WEBHOOK_FLAGS.sidecarCpuRequest.default,
  memoryRequest: WEBHOOK_FLAGS.sidecarMemoryRequest.default,
  cpuLimit: WEBHOOK_FLAGS.sidecarCpuLimit.default,
  memoryLimit: WEBHOOK_FLAGS.sidecarMemoryLimit.default,
};
