/**
 * A list + watch of one kind of object, kept in memory by @kubernetes/client-node's ListWatch, restarted with backoff
 * whenever the list or the watch fails. Subclasses say what a change and a failure mean to them.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from '../../common/logger';
import { backoffMs } from './backoff';
import { withTimeout } from './client';

export abstract class KeptList<T extends KubernetesObject> {
  protected readonly informer: ListWatch<T>;
  protected failures = 0;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  synced = false;

  /** `list` is the API call; `what` names the objects in logs ("namespaces", "node kubelet versions"). */
  constructor(
    protected readonly kc: KubeConfig,
    protected readonly logger: Logger,
    path: string,
    what: string,
    list: () => Promise<KubernetesListObject<T>>,
    watch: Watch = new Watch(kc),
  ) {
    const listed = async () => {
      const result = await withTimeout(list(), 10_000, `list ${what}`);
      if (!this.synced || this.failures > 0) {
        logger.info({ objects: result.items.length }, `${what} synced from the API server`);
      }
      this.synced = true;
      this.failures = 0;
      return result;
    };
    this.informer = new ListWatch(path, watch, listed, false);
    this.informer.on('change', () => this.changed());
    this.informer.on('connect', () => this.changed());
    this.informer.on('error', (err) => this.restart(err));
  }

  start(): void {
    this.informer.start().then(
      () => this.changed(),
      (err) => this.restart(err),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    void this.informer.stop();
  }

  /** The kept objects changed (or the watch (re)connected). */
  protected abstract changed(): void;

  /** The list or the watch failed; returns the delay before the next try, after logging what it affects. */
  protected abstract failed(err: unknown): number;

  protected backoff(capMs: number, baseMs?: number): number {
    return backoffMs(this.failures, capMs, baseMs);
  }

  private restart(err: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    const delay = this.failed(err);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.start(), delay).unref();
  }
}
