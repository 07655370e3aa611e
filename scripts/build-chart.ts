/**
 * Writes the Helm chart generated from the constructs: `tsx scripts/build-chart.ts [outdir]`
 * (default charts/imds-emulator). The output directory is replaced, so no stale template survives.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chartFiles } from './chart/files';

const outdir = resolve(process.argv[2] ?? join(__dirname, '..', 'charts', 'imds-emulator'));
rmSync(outdir, { recursive: true, force: true });
for (const [name, text] of chartFiles()) {
  const path = join(outdir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
console.log(`build-chart: wrote ${outdir}`);
