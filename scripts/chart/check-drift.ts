/**
 * Fails when the committed chart (charts/imds-emulator) or dist/ differ from what the constructs generate now.
 * Only those two directories are compared, so unrelated uncommitted work does not matter. Fix: `npm run synth`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildApp } from '../../examples/app';
import { chartFiles } from './files';

const root = join(__dirname, '..', '..');

function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      try {
        out.set(relative(dir, p), readFileSync(p, 'utf8'));
      } catch {
        walk(p);
      }
    }
  };
  walk(dir);
  return out;
}

/** Names of files that differ between the expected and actual contents, `label/` prefixed. */
export function driftedFiles(
  label: string,
  expected: Map<string, string>,
  actual: Map<string, string>,
): string[] {
  const names = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return names.filter((n) => expected.get(n) !== actual.get(n)).map((n) => `${label}/${n}`);
}

function main(): void {
  const out = mkdtempSync(join(tmpdir(), 'imds-drift-'));
  try {
    buildApp(out).synth();
    const drift = [
      ...driftedFiles('charts/imds-emulator', chartFiles(), listFiles(join(root, 'charts', 'imds-emulator'))),
      ...driftedFiles('dist', listFiles(out), listFiles(join(root, 'dist'))),
    ];
    if (drift.length > 0) {
      console.error(
        `check:drift: generated output is stale, run "npm run synth" and commit:\n  ${drift.join('\n  ')}`,
      );
      process.exitCode = 1;
    } else {
      console.log('check:drift: charts/imds-emulator and dist/ are up to date');
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main();
