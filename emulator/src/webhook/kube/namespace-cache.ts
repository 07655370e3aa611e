/**
 * Namespaces (labels and annotations) from a list + watch (KeptList), so a review reads memory instead of calling the
 * API server. When the API server cannot be reached, the watch is restarted with backoff and the log says what that
 * affects.
 */
import { CoreV1Api, type KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import type { NamespaceInfo } from '../admission';
import { apiServer, describeApiError } from './client';
import { KeptList } from './kept-list';

export class NamespaceCache extends KeptList<V1Namespace> {
  constructor(
    kc: KubeConfig,
    logger: Logger,
    private readonly onState: (state: { synced: boolean; size: number }) => void = () => {},
  ) {
    const api = kc.makeApiClient(CoreV1Api);
    super(kc, logger, '/api/v1/namespaces', 'namespace cache', () => api.listNamespace());
  }

  get(name: string): NamespaceInfo | undefined {
    const ns = this.informer.get(name);
    return ns && { labels: ns.metadata?.labels ?? {}, annotations: ns.metadata?.annotations ?? {} };
  }

  protected changed(): void {
    this.onState({ synced: this.synced, size: this.informer.list().length });
  }

  protected failed(err: unknown): number {
    const delay = this.backoff(30_000);
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
    return delay;
  }
}
