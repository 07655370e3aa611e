/**
 * `--sidecar-mode auto`: asks the API server's /version which sidecar style the cluster supports. Until it knows, and
 * if the API server cannot be reached, it uses classic sidecars (they work on every version) and keeps asking with
 * backoff.
 */
import { type KubeConfig, VersionApi } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import type { SidecarMode } from '../admission';
import { backoffMs } from './backoff';
import { apiServer, describeApiError, withTimeout } from './client';
import { sidecarModeFor } from './sidecar-mode';

export class AutoSidecarMode {
  mode: SidecarMode = 'classic';
  learned = false;
  private retry?: NodeJS.Timeout;
  private attempts = 0;

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: Logger,
    private readonly onMode: (mode: SidecarMode, learned: boolean) => void = () => {},
  ) {}

  /** Resolves after the first attempt, successful or not; later attempts run in the background. */
  async start(): Promise<void> {
    this.onMode(this.mode, false);
    await this.attempt();
  }

  stop(): void {
    clearTimeout(this.retry);
  }

  private async attempt(): Promise<void> {
    this.attempts += 1;
    let outcome: ReturnType<typeof sidecarModeFor>;
    try {
      const version = await withTimeout(this.kc.makeApiClient(VersionApi).getCode(), 5000, 'GET /version');
      outcome = sidecarModeFor(version);
    } catch (err) {
      outcome = { error: `Kubernetes API unreachable (${apiServer(this.kc)}): ${describeApiError(err)}` };
    }
    if ('error' in outcome) {
      const delay = backoffMs(this.attempts, 60_000);
      this.logger.warn(
        { err: outcome.error, retryInSeconds: delay / 1000 },
        '--sidecar-mode auto could not learn the server version; injecting classic sidecars (they work on every version) until it can',
      );
      this.retry = setTimeout(() => void this.attempt(), delay).unref();
      return;
    }
    this.mode = outcome.mode;
    this.learned = true;
    this.onMode(outcome.mode, true);
    this.logger.info({ sidecarMode: outcome.mode, reason: outcome.reason }, '--sidecar-mode auto resolved');
  }
}
