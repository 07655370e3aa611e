/** Prometheus metrics of one sidecar, in its own registry (no global state). */
import { SIDECAR_METRICS } from '@imds-emulator/contract';
import { Counter, Gauge, Registry } from 'prom-client';
import { SHED_REASONS, type ShedReason } from './connections';
import type { RefresherMetrics } from './credential-refresher';
import type { PathClass } from './imds-router';

export interface SidecarMetrics extends RefresherMetrics {
  readonly registry: Registry;
  /** `v2`: the request was a token PUT or carried a token. */
  request(pathClass: PathClass, status: number, v2: boolean): void;
  connectionShed(reason: ShedReason): void;
}

const PATH_CLASSES: readonly PathClass[] = ['token', 'list', 'credentials', 'identity', 'other'];

/**
 * `expiresAt` reports the epoch ms at which the held credentials expire, or undefined when none are held;
 * `openConnections` the connections open on the sidecar's servers.
 */
export function createMetrics(
  expiresAt: () => number | undefined,
  openConnections: () => number,
  now: () => number = Date.now,
): SidecarMetrics {
  const registry = new Registry();
  // The hot path only bumps a plain number under a numeric key; prom-client's labelled inc() hashes the label set
  // on every call.
  const counts = new Map<
    number,
    { labels: { path: PathClass; status: string; imds: string }; value: number }
  >();
  new Counter({
    name: SIDECAR_METRICS.imdsRequests,
    help: 'IMDS requests by kind of path (token, list, credentials, other), HTTP status and IMDS version (v1, v2)',
    labelNames: ['path', 'status', 'imds'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of counts.values()) this.inc(labels, value);
    },
  });
  const stsCalls = new Counter({
    name: SIDECAR_METRICS.stsCalls,
    help: 'AssumeRoleWithWebIdentity calls made',
    registers: [registry],
  });
  const stsErrors = new Counter({
    name: SIDECAR_METRICS.stsErrors,
    help: 'AssumeRoleWithWebIdentity calls that failed, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  new Gauge({
    name: SIDECAR_METRICS.credentialsExpiry,
    help: 'Seconds until the held credentials expire (0 when none are held)',
    registers: [registry],
    collect() {
      const at = expiresAt();
      this.set(at === undefined ? 0 : Math.max(0, (at - now()) / 1000));
    },
  });
  const shed = new Counter({
    name: SIDECAR_METRICS.connectionsShed,
    help:
      'Connections the sidecar closed to keep answering: oldest_idle and oldest_busy (closed for a new one at the ' +
      'cap), pipelining (too many unanswered pipelined requests)',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of SHED_REASONS) shed.inc({ reason }, 0);
  new Gauge({
    name: SIDECAR_METRICS.connectionsOpen,
    help: 'Client connections open on the IMDS and health servers (they share one cap below the fd limit)',
    registers: [registry],
    collect() {
      this.set(openConnections());
    },
  });
  return {
    registry,
    request(pathClass, status, v2) {
      const key = (PATH_CLASSES.indexOf(pathClass) * 1000 + status) * 2 + (v2 ? 1 : 0);
      const count = counts.get(key);
      if (count) count.value++;
      else
        counts.set(key, {
          labels: { path: pathClass, status: String(status), imds: v2 ? 'v2' : 'v1' },
          value: 1,
        });
    },
    stsCall: () => stsCalls.inc(),
    stsError: (code) => stsErrors.inc({ code }),
    connectionShed: (reason) => shed.inc({ reason }),
  };
}
