/**
 * Fails when the committed chart (charts/imds-emulator) or dist/ differ from what the constructs generate now.
 * Only those two directories are compared, so unrelated uncommitted work does not matter. Fix: `npm run synth`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../examples/app';
import { driftedFiles, listFiles } from './drift';
import { chartFiles } from './files';

const root = join(__dirname, '..', '..');
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
