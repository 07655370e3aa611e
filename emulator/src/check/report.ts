/** `imds-emulator check` output: one line per check (and its fix), or one JSON object. Pure. */
import type { CheckResult } from './checks';

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;

export function humanReport(results: readonly CheckResult[]): string {
  const lines = results.flatMap((r) => [
    `${MARK[r.status]} ${r.id}: ${r.message}`,
    ...(r.fix === undefined ? [] : [`     fix: ${r.fix}`]),
  ]);
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed === 0 ? 'all checks passed' : `${failed} check${failed === 1 ? '' : 's'} failed`);
  return `${lines.join('\n')}\n`;
}

export function jsonReport(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ ok: results.every((r) => r.status !== 'fail'), checks: results })}\n`;
}
