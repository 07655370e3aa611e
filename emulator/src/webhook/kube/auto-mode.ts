/**
 * `--sidecar-mode auto`: native sidecars only while the API server (/version) and every node's kubelet (a watch of
 * Nodes) run them; classic otherwise, and until both are known (classic works on every version). /version is asked
 * again every few minutes, so a control-plane upgrade is noticed without a restart; the node watch follows nodes
 * joining and leaving within seconds. Each change of decision is reported with its reason.
 */
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import { backoffMs } from './backoff';
import { apiServer, describeApiError, withTimeout } from './client';
import { NodeVersions } from './node-versions';
import { decideSidecarMode, type ModeDecision, type NodesState, type ServerVersion } from './sidecar-mode';

const RECHECK_VERSION_MS = 5 * 60_000;

export class AutoSidecarMode {
  decision: ModeDecision;
  private server?: ServerVersion;
  private readonly nodes: NodeVersions;
  private retry?: NodeJS.Timeout;
  private attempts = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: Logger,
    private readonly onMode: (decision: ModeDecision) => void = () => {},
  ) {
    this.nodes = new NodeVersions(kc, logger, (state) => this.decide(state));
    this.decision = decideSidecarMode(undefined, this.nodes.state);
  }

  /** Resolves after the first /version attempt, successful or not; the rest runs in the background. */
  async start(): Promise<void> {
    this.onMode(this.decision);
    this.nodes.start();
    await this.askVersion();
  }

  stop(): void {
    clearTimeout(this.retry);
    this.nodes.stop();
  }

  private decide(nodes: NodesState = this.nodes.state): void {
    const next = decideSidecarMode(this.server, nodes);
    const changed = next.mode !== this.decision.mode || next.reason !== this.decision.reason;
    this.decision = next;
    if (!changed) return;
    this.onMode(next);
    this.logger.info(
      { sidecarMode: next.mode, source: next.source, reason: next.reason },
      '--sidecar-mode auto resolved',
    );
  }

  private async askVersion(): Promise<void> {
    this.attempts += 1;
    try {
      this.server = await withTimeout(this.kc.makeApiClient(VersionApi).getCode(), 5000, 'GET /version');
      this.attempts = 0;
      this.decide();
      this.retry = setTimeout(() => void this.askVersion(), RECHECK_VERSION_MS).unref();
    } catch (err) {
      const delay = backoffMs(this.attempts, 60_000);
      this.logger.warn(
        {
          err: `Kubernetes API unreachable (${apiServer(this.kc)}): ${describeApiError(err)}`,
          retryInSeconds: delay / 1000,
          sidecarMode: this.decision.mode,
        },
        this.server
          ? '--sidecar-mode auto could not re-read the server version; keeping the last known one'
          : '--sidecar-mode auto could not learn the server version; injecting classic sidecars (they work on every version) until it can',
      );
      this.retry = setTimeout(() => void this.askVersion(), delay).unref();
    }
  }
}
