/**
 * Namespaces (labels and annotations) from a list + watch kept by @kubernetes/client-node's ListWatch, so a review
 * reads memory instead of calling the API server. When the API server cannot be reached, the watch is restarted with
 * backoff and the log says what that affects.
 */
import { CoreV1Api, type KubeConfig, ListWatch, type V1Namespace, Watch } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import type { NamespaceInfo } from '../admission';
import { backoffMs } from './backoff';
import { apiServer, describeApiError, withTimeout } from './client';

export class NamespaceCache {
  private readonly informer: ListWatch<V1Namespace>;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  synced = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: Logger,
    private readonly onState: (state: { synced: boolean; size: number }) => void = () => {},
  ) {
    const api = kc.makeApiClient(CoreV1Api);
    const list = async () => {
      const result = await withTimeout(api.listNamespace(), 10_000, 'list namespaces');
      if (!this.synced || this.failures > 0) {
        logger.info({ namespaces: result.items.length }, 'namespace cache synced from the API server');
      }
      this.synced = true;
      this.failures = 0;
      return result;
    };
    this.informer = new ListWatch('/api/v1/namespaces', new Watch(kc), list, false);
    this.informer.on('change', () => this.report());
    this.informer.on('connect', () => this.report());
    this.informer.on('error', (err) => this.restart(err));
  }

  start(): void {
    this.informer.start().then(
      () => this.report(),
      (err) => this.restart(err),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    void this.informer.stop();
  }

  get(name: string): NamespaceInfo | undefined {
    const ns = this.informer.get(name);
    return ns && { labels: ns.metadata?.labels ?? {}, annotations: ns.metadata?.annotations ?? {} };
  }

  private report(): void {
    this.onState({ synced: this.synced, size: this.informer.list().length });
  }

  private restart(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const delay = backoffMs(this.failures, 30_000);
    this.logger.warn(
      {
        apiServer: apiServer(this.kc),
        err: describeApiError(err),
        retryInSeconds: delay / 1000,
        affects: this.synced
          ? 'namespace policy uses the last known namespaces until the watch is back'
          : 'namespace policy cannot be enforced; the webhook stays not ready until the first list succeeds',
      },
      'Kubernetes API unreachable for the namespace watch',
    );
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), delay).unref();
  }
}
