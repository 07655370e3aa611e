/** Wires the sidecar together: STS fetcher, refresher, router, metrics and the two servers. */
import { createLogger, type Logger } from '../common/logger';
import type { SidecarConfig } from './config';
import {
  ConnectionGuard,
  MAX_PIPELINED,
  processConnectionCap,
  type ShedReason,
  throttledShedLog,
} from './connections';
import type { CredentialFailure, FixContext } from './credential-failure';
import { CredentialRefresher } from './credential-refresher';
import { regionAnswers, zoneInRegion } from './identity-document';
import { createImdsRouter } from './imds-router';
import { ImdsTokens } from './imds-tokens';
import { createMetrics } from './metrics';
import type { RetryPolicy } from './refresh-policy';
import { startHealthServer, startImdsServer } from './servers';
import { type FetchCredentials, stsFetcher } from './sts';

export interface RunningSidecar {
  readonly imdsPort: number;
  readonly healthPort: number;
  /** Resolves once credentials are held (and /readyz answers 200). */
  readonly ready: Promise<void>;
  /** What the failure's fix can name: the role and the pod. */
  readonly fixContext: FixContext;
  /** While no valid credentials are held: the failure to report (CredentialRefresher.lastFailure); else undefined. */
  failure(): CredentialFailure | undefined;
  /** Calls STS now (sharing a call already running); the background schedule continues from its result. */
  refresh(): Promise<void>;
  /** Starts the drain: /readyz answers 503 from now on while IMDS keeps serving. */
  drain(): void;
  /** Closes both servers and stops renewing. */
  stop(): Promise<void>;
}

export interface SidecarOptions {
  /** Default: a JSON logger on stdout at `config.logLevel`. */
  readonly log?: Logger;
  /** Replaces the STS client (tests). */
  readonly fetch?: FetchCredentials;
  readonly retry?: RetryPolicy;
  /** Cap on open client connections; default: from the process's fd limit (processConnectionCap). */
  readonly maxConnections?: number;
}

/** At most one shedding line per reason this often; the metric counts every connection. */
const SHED_LOG_INTERVAL_MS = 10_000;

const SHED_MESSAGES: Record<ShedReason, string> = {
  oldest_idle: 'connection cap reached: closed the least recently used idle connections for new ones',
  oldest_busy: 'connection cap reached, none idle: closed the least recently active connections for new ones',
  pipelining: 'closed connections with too many pipelined requests not answered yet',
};

export async function startSidecar(
  config: SidecarConfig,
  options: SidecarOptions = {},
): Promise<RunningSidecar> {
  const log = options.log ?? createLogger('sidecar', { level: config.logLevel });
  const sts = options.fetch
    ? { fetch: options.fetch, destroy: () => undefined }
    : stsFetcher({
        roleArn: config.role.arn,
        sessionName: config.sessionName,
        sessionDuration: config.sessionDuration,
        tokenFile: config.tokenFile,
        region: config.region,
        endpoint: config.stsEndpoint,
      });
  const cap = options.maxConnections ?? processConnectionCap();
  const logShed = throttledShedLog(
    (reason, count) => log.warn({ reason, count, cap, maxPipelined: MAX_PIPELINED }, SHED_MESSAGES[reason]),
    SHED_LOG_INTERVAL_MS,
  );
  const guard = new ConnectionGuard(cap, (reason) => {
    metrics.connectionShed(reason);
    logShed(reason);
  });
  // The gauges read the refresher and the guard lazily, at scrape time.
  const metrics = createMetrics(
    () => held.current()?.expiresAt,
    () => guard.size,
  );
  const fixContext: FixContext = {
    role: config.role,
    tokenFile: config.tokenFile,
    namespace: config.podNamespace,
    serviceAccount: config.serviceAccount,
  };
  const held = new CredentialRefresher({
    fetch: sts.fetch,
    fixContext,
    accountId: config.role.accountId,
    log,
    metrics,
    retry: options.retry,
  });
  const route = createImdsRouter({
    roleName: config.role.roleName,
    httpTokens: config.httpTokens,
    tokens: new ImdsTokens(),
    regionAnswers: config.serveRegion
      ? regionAnswers(config.region, config.role.accountId, config.availabilityZone)
      : undefined,
    credentials: () => held.current(),
    now: Date.now,
  });
  let draining = false;
  const imds = await startImdsServer(config.port, route, metrics, guard, log);
  let health: Awaited<ReturnType<typeof startHealthServer>>;
  try {
    health = await startHealthServer(
      config.healthPort,
      {
        ready: () => !draining && held.current() !== undefined,
        reason: () =>
          draining ? 'draining after a stop signal' : 'no valid credentials from STS yet, see the log',
      },
      metrics,
      guard,
      log,
    );
  } catch (err) {
    await imds.close();
    throw err;
  }
  void held.refresh();
  const zone = config.availabilityZone;
  if (config.serveRegion && zone !== undefined && zoneInRegion(config.region, zone) === undefined)
    log.warn(
      { availabilityZone: zone, region: config.region },
      'zone not in --region: availability-zone answers 404',
    );
  log.info(
    {
      imdsPort: imds.port,
      healthPort: health.port,
      roleArn: config.role.arn,
      sessionName: config.sessionName,
      serviceAccount: config.serviceAccount,
      httpTokens: config.httpTokens,
      region: config.region,
      serveRegion: config.serveRegion,
      stsEndpoint: config.stsEndpoint,
      maxConnections: cap,
    },
    'sidecar started',
  );
  return {
    imdsPort: imds.port,
    healthPort: health.port,
    ready: held.ready,
    fixContext,
    failure: () => (held.current() ? undefined : held.lastFailure()),
    refresh: () => held.refresh(),
    drain: () => {
      draining = true;
    },
    stop: async () => {
      held.stop();
      await Promise.all([imds.close(), health.close()]);
      sts.destroy();
    },
  };
}
