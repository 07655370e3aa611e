/**
 * `--cert-mode files`: reads the serving pair from disk and re-reads it when it changes. Kubernetes updates a Secret
 * volume by swapping the `..data` symlink in the directory (the files themselves never change in place), so the
 * directories are watched rather than the files; a periodic re-read covers filesystems where fs.watch is blind.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../common/logger';

export interface CertFilesOptions {
  certFile: string;
  keyFile: string;
  /** Called with the pair whenever its contents differ from the last call (also for the first successful read). */
  onChange(certPem: string, keyPem: string): void;
  logger: Logger;
  pollMs?: number;
  /** Coalesces the burst of events a symlink swap causes. */
  debounceMs?: number;
}

export class CertFiles {
  private readonly watchers: FSWatcher[] = [];
  private poll?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private last?: string;
  private lastError?: string;

  constructor(private readonly options: CertFilesOptions) {}

  async start(): Promise<void> {
    await this.reload();
    for (const dir of new Set([dirname(this.options.certFile), dirname(this.options.keyFile)])) {
      try {
        const watcher = watch(dir, () => this.schedule());
        watcher.on('error', (err) =>
          this.options.logger.warn(
            { dir, err: err.message },
            'watching certificate directory failed; relying on polling',
          ),
        );
        this.watchers.push(watcher);
      } catch (err) {
        this.options.logger.warn(
          { dir, err: (err as Error).message },
          'cannot watch certificate directory; relying on polling',
        );
      }
    }
    this.poll = setInterval(() => void this.reload(), this.options.pollMs ?? 10_000).unref();
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
  }

  private schedule(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), this.options.debounceMs ?? 100).unref();
  }

  private async reload(): Promise<void> {
    const { certFile, keyFile, logger } = this.options;
    let cert: string;
    let key: string;
    try {
      [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    } catch (err) {
      const message = (err as Error).message;
      // Logged once per distinct problem: the poll would otherwise repeat it every few seconds.
      if (message !== this.lastError)
        logger.error({ err: message }, 'cannot read the TLS certificate files (--tls-cert, --tls-key)');
      this.lastError = message;
      return;
    }
    this.lastError = undefined;
    if (cert + key === this.last) return;
    this.last = cert + key;
    this.options.onChange(cert, key);
  }
}
