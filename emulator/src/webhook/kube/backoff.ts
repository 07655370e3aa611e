/** Exponential backoff for retrying the Kubernetes API: 1 s, 2 s, 4 s … capped (attempt counts from 1). */
export function backoffMs(attempt: number, capMs = 60_000, baseMs = 1000): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
}
