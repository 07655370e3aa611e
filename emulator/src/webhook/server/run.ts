/** Wires the webhook together: HTTPS /mutate, health server, certificate source, namespace cache and sidecar mode. */
import { createServer as createHttpsServer } from 'node:https';
import type { Server } from 'node:net';
import type { Logger } from '../../common/logger';
import { type ReviewContext, reviewAdmission, type SidecarMode } from '../admission';
import { shortSessionWarning } from '../admission/options';
import { CertFiles } from '../certs/files';
import type { NamespaceCache } from '../kube/namespace-cache';
import type { WebhookConfig } from './config';
import { limitConnections, SERVER_OPTIONS } from './connection-limits';
import { createHealthServer } from './health';
import { createWebhookMetrics } from './metrics';
import { createMutateHandler } from './mutate';
import { ServingCertificate } from './tls';

export interface RunningWebhook {
  port: number;
  healthPort: number;
  /** Stops accepting connections, lets requests in flight finish (at most `graceMs`), stops the background loops. */
  close(graceMs?: number): Promise<void>;
}

function listen(server: Server, port: number, host: string | undefined, flag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`--${flag} ${port}: cannot listen (${err.code ?? err.message})`)),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server & { closeIdleConnections?: () => void }, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, graceMs).unref();
    // A keep-alive connection whose request finishes while draining becomes idle: close it then, not at the grace.
    const sweep = setInterval(() => server.closeIdleConnections?.(), 100).unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}

export async function startWebhook(config: WebhookConfig, logger: Logger): Promise<RunningWebhook> {
  // What /readyz and the ready metric report missing; called only once the servers below are listening.
  const notReady = (): string[] => [
    ...(serving.loaded ? [] : ['no serving certificate loaded yet (see the log)']),
    ...(namespaces && !namespaces.synced
      ? ['the namespace cache has not synced from the API server yet']
      : []),
  ];
  const metrics = createWebhookMetrics(notReady);
  const stops: Array<() => void> = [];
  const needsApi =
    config.sidecarMode === 'auto' ||
    config.settings.enforceNamespacePolicy ||
    config.certs.mode === 'self-managed';
  // Loaded only when used: the Kubernetes client and the X.509 library are large, and the sidecar shares this binary.
  const kube = needsApi ? await import('../kube') : undefined;
  const kc = kube?.loadKubeConfig();
  if (kc) logger.info({ apiServer: kube?.apiServer(kc) }, 'Kubernetes API client configured');

  let sidecarMode: SidecarMode = config.sidecarMode === 'auto' ? 'classic' : config.sidecarMode;
  let sidecarModeCause = `--sidecar-mode ${config.sidecarMode}`;
  const setMode = (mode: SidecarMode, source: string, cause: string) => {
    sidecarMode = mode;
    sidecarModeCause = cause;
    metrics.sidecarMode.reset();
    metrics.sidecarMode.set({ mode, source }, 1);
  };
  const shortSession = shortSessionWarning(config.settings.defaultSessionDuration);
  if (shortSession) logger.warn({ flag: '--default-session-duration' }, shortSession);
  if (config.sidecarMode !== 'auto')
    setMode(config.sidecarMode, 'flag', `--sidecar-mode ${config.sidecarMode}`);

  let namespaces: NamespaceCache | undefined;
  if (kube && kc && config.settings.enforceNamespacePolicy) {
    namespaces = new kube.NamespaceCache(kc, logger.child({ part: 'namespaces' }), ({ synced, size }) => {
      metrics.namespaceCacheSynced.set(synced ? 1 : 0);
      metrics.namespaceCacheSize.set(size);
    });
    namespaces.start();
    stops.push(() => namespaces?.stop());
  }
  const namespaceOf = (name: string) => namespaces?.get(name);
  const context = (): ReviewContext => ({ sidecarMode, sidecarModeCause, namespace: namespaceOf });

  const handler = createMutateHandler({
    review: reviewAdmission,
    settings: config.settings,
    context,
    metrics,
    logger: logger.child({ part: 'admission' }),
  });
  // No certificate yet: handshakes fail until one is loaded, and /readyz says so.
  const https = createHttpsServer(SERVER_OPTIONS, handler);
  limitConnections(https, metrics, logger);
  const serving = new ServingCertificate(https, metrics, logger.child({ part: 'tls' }));

  if (config.certs.mode === 'files') {
    const files = new CertFiles({
      certFile: config.certs.certFile,
      keyFile: config.certs.keyFile,
      onChange: (cert, key) => serving.apply(cert, key, 'files'),
      logger: logger.child({ part: 'cert-files' }),
    });
    await files.start();
    stops.push(() => files.stop());
  } else if (kube && kc) {
    const c = config.certs;
    const { SelfManagedCerts, serviceDnsNames } = await import('../certs/self-managed');
    const certs = new SelfManagedCerts({
      secrets: kube.secretStore(kc, c.namespace, c.secretName),
      webhooks: kube.webhookConfigStore(kc, c.webhookConfiguration),
      dnsNames: serviceDnsNames(c.serviceName, c.namespace),
      caValiditySeconds: c.caValiditySeconds,
      certValiditySeconds: c.certValiditySeconds,
      syncSeconds: c.syncSeconds,
      logger: logger.child({ part: 'self-managed-certs' }),
      onServing: (m) => serving.apply(m.certPem, m.keyPem, `Secret ${c.namespace}/${c.secretName}`),
    });
    certs.start();
    stops.push(() => certs.stop());
  }

  if (kube && kc && config.sidecarMode === 'auto') {
    const auto = new kube.AutoSidecarMode(kc, logger.child({ part: 'sidecar-mode' }), (d) =>
      setMode(d.mode, d.source, `--sidecar-mode auto: ${d.reason}`),
    );
    await auto.start();
    stops.push(() => auto.stop());
  }

  const health = createHealthServer(metrics.registry, { notReady });
  let port: number;
  let healthPort: number;
  try {
    port = await listen(https, config.port, config.bindAddress, 'port');
    healthPort = await listen(health, config.healthPort, config.bindAddress, 'health-port');
  } catch (err) {
    for (const stop of stops) stop();
    https.close();
    health.close();
    throw err;
  }
  logger.info(
    { port, healthPort, certMode: config.certs.mode, sidecarMode: config.sidecarMode },
    'webhook listening',
  );

  return {
    port,
    healthPort,
    async close(graceMs = 5000) {
      for (const stop of stops) stop();
      await Promise.all([closeServer(https, graceMs), closeServer(health, graceMs)]);
    },
  };
}
