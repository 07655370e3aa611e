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
// From `npm run bench:webhook` (BENCHMARKS.md, 2026-12-02): with 10,000 namespaces in its watch cache the webhook's
// RSS was 182 MiB after load and peaked at 201 MiB (131 and 161 MiB with 1,000); the request covers that peak, the
// limit adds room for reviews in flight and a re-list. CPU: 0.67 ms per review at 200 reviews/s (50m sustains about
// 75 reviews/s), 0.39 cores at 1,000 reviews/s.
export const WEBHOOK_RESOURCES: Resources = {
  cpuRequest: '50m',
  memoryRequest: '224Mi',
  cpuLimit: '500m',
  memoryLimit: '384Mi',
};

/** Resources of each injected sidecar: the webhook's defaults. */
export const SIDECAR_RESOURCES: Resources = {
  cpuRequest: WEBHOOK_FLAGS.sidecarCpuRequest.default,
  memoryRequest: WEBHOOK_FLAGS.sidecarMemoryRequest.default,
  cpuLimit: WEBHOOK_FLAGS.sidecarCpuLimit.default,
  memoryLimit: WEBHOOK_FLAGS.sidecarMemoryLimit.default,
};
