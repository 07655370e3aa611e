/**
 * `npm run chart:package [outdir]`: `helm package` of charts/imds-emulator (Helm 3 from `npm run tools`) into outdir
 * (default .cache/release), after checking that the chart's version and appVersion are the release version. Prints
 * the path of the .tgz.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as yaml from 'yaml';
import { ROOT, releaseVersion } from './version';

const outdir = resolve(process.argv[2] ?? join(ROOT, '.cache', 'release'));
const chartDir = join(ROOT, 'charts', 'imds-emulator');
const chart = yaml.parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
  version: string;
  appVersion: string;
};
const version = releaseVersion();
if (chart.version !== version || chart.appVersion !== version) {
  console.error(
    `chart:package: Chart.yaml has version ${chart.version}, appVersion ${chart.appVersion}; the release is ${version}` +
      ' (emulator/package.json): run "npm run synth"',
  );
  process.exit(1);
}
mkdirSync(outdir, { recursive: true });
const helm = join(ROOT, '.tools', 'helm3', 'helm');
const out = execFileSync(helm, ['package', chartDir, '--destination', outdir]).toString();
const tgz = /saved it to: (\S+)/.exec(out)?.[1];
if (!tgz) throw new Error(`helm package printed no path:\n${out}`);
console.log(tgz);
