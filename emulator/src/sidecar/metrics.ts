/** Prometheus metrics of one sidecar, in its own registry (no global state). */
import { Counter, Gauge, Registry } from 'prom-client';
import type { RefresherMetrics } from './credential-refresher';
import type { PathClass } from './imds-router';

export interface SidecarMetrics extends RefresherMetrics {
  readonly registry: Registry;
  /** `v2`: the request was a token PUT or carried a token. */
  request(pathClass: PathClass, status: number, v2: boolean): void;
}

/** `expiresAt` reports the epoch ms at which the held credentials expire, or undefined when none are held. */
export function createMetrics(
  expiresAt: () => number | undefined,
  now: () => number = Date.now,
): SidecarMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'imds_emulator_imds_requests_total',
    help: 'IMDS requests by kind of path (token, list, credentials, other), HTTP status and IMDS version (v1, v2)',
    labelNames: ['path', 'status', 'imds'],
    registers: [registry],
  });
  const stsCalls = new Counter({
    name: 'imds_emulator_sts_calls_total',
    help: 'AssumeRoleWithWebIdentity calls made',
    registers: [registry],
  });
  const stsErrors = new Counter({
    name: 'imds_emulator_sts_errors_total',
    help: 'AssumeRoleWithWebIdentity calls that failed, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  new Gauge({
    name: 'imds_emulator_credentials_expiry_seconds',
    help: 'Seconds until the held credentials expire (0 when none are held)',
    registers: [registry],
    collect() {
      const at = expiresAt();
      this.set(at === undefined ? 0 : Math.max(0, (at - now()) / 1000));
    },
  });
  // Label lookups hash the label set; the hot path reuses one child per label combination.
  const children = new Map<string, ReturnType<typeof requests.labels>>();
  return {
    registry,
    request(pathClass, status, v2) {
      const imds = v2 ? 'v2' : 'v1';
      const key = `${pathClass} ${status} ${imds}`;
      let child = children.get(key);
      if (!child) {
        child = requests.labels({ path: pathClass, status: String(status), imds });
        children.set(key, child);
      }
      child.inc();
    },
    stsCall: () => stsCalls.inc(),
    stsError: (code) => stsErrors.inc({ code }),
  };
}
