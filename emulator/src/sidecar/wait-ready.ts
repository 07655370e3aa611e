/**
 * `sidecar --wait-ready`: polls the running sidecar's /readyz on loopback until it answers 200. Used as the classic
 * sidecar's postStart hook, which holds back the app containers until credentials are held.
 */
import { request } from 'node:http';

export const WAIT_READY_TIMEOUT_MS = 120_000;
const POLL_MS = 250;

function readyOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Resolves when ready; rejects after `timeoutMs` with what to look at. */
export async function waitReady(healthPort: number, timeoutMs = WAIT_READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await readyOnce(healthPort))) {
    if (Date.now() >= deadline) {
      throw new Error(
        `the sidecar on health port ${healthPort} was not ready within ${timeoutMs / 1000} s; ` +
          'see the imds-emulator container log for the STS error',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
