/**
 * Every node's kubelet version, from a list + watch of Nodes (KeptList; read-only: get/list/watch on nodes). Node
 * objects are large (their status lists every image on the node), so only the name and the kubelet version are kept.
 * When RBAC forbids listing nodes the state says so (the caller then injects classic sidecars, never native on a
 * guess) and the list is retried slowly, so a role granted later is picked up without a restart.
 */
import { CoreV1Api, type KubeConfig, type V1Node, Watch } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import { apiServer, describeApiError, httpStatus } from './client';
import { KeptList } from './kept-list';
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

export class NodeVersions extends KeptList<V1Node> {
  state: NodesState = { state: 'pending' };

  constructor(
    kc: KubeConfig,
    logger: Logger,
    private readonly onState: (state: NodesState) => void,
  ) {
    const api = kc.makeApiClient(CoreV1Api);
    const list = async () => {
      const result = await api.listNode();
      result.items = result.items.map(slim);
      return result;
    };
    super(kc, logger, '/api/v1/nodes', 'node kubelet versions', list, new SlimNodeWatch(kc));
  }

  protected changed(): void {
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

  protected failed(err: unknown): number {
    const detail = describeApiError(err);
    if (httpStatus(err) === 403) {
      // A missing RBAC rule is fixed by a human: retry every few minutes, not every few seconds.
      const delay = this.backoff(300_000, 30_000);
      this.synced = false;
      this.update({ state: 'forbidden', detail });
      this.logger.warn(
        { apiServer: apiServer(this.kc), err: detail, retryInSeconds: delay / 1000 },
        'listing nodes is forbidden: --sidecar-mode auto injects classic sidecars until the webhook may get/list/watch nodes',
      );
      return delay;
    }
    const delay = this.backoff(30_000);
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
    return delay;
  }
}
