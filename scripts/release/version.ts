/**
 * The release version: `emulator/package.json` "version". It is the image tag (`npm run image` names the image after
 * it), the chart's version and appVersion (scripts/chart/files.ts), and what release.yml checks a pushed tag against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export function releaseVersion(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'emulator', 'package.json'), 'utf8')) as {
    version?: string;
  };
  if (!pkg.version) throw new Error('emulator/package.json has no version');
  return pkg.version;
}
