/**
 * Every node's kubelet version, from a list + watch of Nodes kept by @kubernetes/client-node's ListWatch (read-only:
 * get/list/watch on nodes). Node objects are large (their status lists every image on the node), so only the name
 * and the kubelet version are kept. When RBAC forbids listing nodes the state says so (the caller then injects
 * classic sidecars, never native on a guess) and the list is retried slowly, so a role granted later is picked up.
 */
import { CoreV1Api, type KubeConfig, ListWatch, type V1Node, Watch } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import { backoffMs } from './backoff';
import { apiServer, describeApiError, httpStatus, withTimeout } from './client';
import type { NodesState } from './sidecar-mode';

/** What is kept of a Node. */
function slim(node: V1Node): V1Node {
  return {
    metadata: { name: node.metadata?.name, resourceVersion: node.metadata?.resourceVersion },
    status: { nodeInfo: { kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? '' } } as V1Node['status'],
  };
}

/** A Watch that hands ListWatch slim Nodes; error and bookmark events pass unchanged. */
class SlimNodeWatch extends Watch {
  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(
      path,
      query,
      (phase, object, raw) =>
        callback(phase, phase === 'ERROR' || phase === 'BOOKMARK' ? object : slim(object), raw),
      done,
    );
  }
}

export class NodeVersions {
  private readonly informer: ListWatch<V1Node>;
  private failures = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private synced = false;
  state: NodesState = { state: 'pending' };

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: Logger,
    private readonly onState: (state: NodesState) => void,
  ) {
    const api = kc.makeApiClient(CoreV1Api);
    const list = async () => {
      const result = await withTimeout(api.listNode(), 10_000, 'list nodes');
      result.items = result.items.map(slim);
      if (!this.synced || this.failures > 0) {
        logger.info({ nodes: result.items.length }, 'node kubelet versions synced from the API server');
      }
      this.synced = true;
      this.failures = 0;
      return result;
    };
    this.informer = new ListWatch('/api/v1/nodes', new SlimNodeWatch(kc), list, false);
    this.informer.on('change', () => this.report());
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

  private report(): void {
    if (!this.synced) return;
    this.update({
      state: 'synced',
      kubelets: this.informer.list().map((n) => ({
        node: n.metadata?.name ?? '',
        version: n.status?.nodeInfo?.kubeletVersion ?? '',
      })),
    });
  }

  private update(state: NodesState): void {
    this.state = state;
    this.onState(state);
  }

  private restart(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const forbidden = httpStatus(err) === 403;
    // A missing RBAC rule is fixed by a human: retry every few minutes, not every few seconds.
    const delay = forbidden ? backoffMs(this.failures, 300_000, 30_000) : backoffMs(this.failures, 30_000);
    const detail = describeApiError(err);
    if (forbidden) {
      this.synced = false;
      this.update({ state: 'forbidden', detail });
      this.logger.warn(
        { apiServer: apiServer(this.kc), err: detail, retryInSeconds: delay / 1000 },
        'listing nodes is forbidden: --sidecar-mode auto injects classic sidecars until the webhook may get/list/watch nodes',
      );
    } else {
      if (!this.synced) this.update({ state: 'pending', detail });
      this.logger.warn(
        {
          apiServer: apiServer(this.kc),
          err: detail,
          retryInSeconds: delay / 1000,
          affects: this.synced
            ? 'the sidecar mode follows the last known kubelet versions until the watch is back'
            : 'classic sidecars are injected until the kubelet versions are known',
        },
        'Kubernetes API unreachable for the node watch',
      );
    }
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), delay).unref();
  }
}
