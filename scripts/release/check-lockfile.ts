/**
 * `npm run check:lockfile [file]`: fails when package-lock.json lacks another platform's optional package of a
 * locked dependency, which makes `npm ci` fail there (Docker builds, macOS, arm64 CI).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingOptionalPackages } from './lockfile';

const file = process.argv[2] ?? join(__dirname, '..', '..', 'package-lock.json');
const missing = missingOptionalPackages(JSON.parse(readFileSync(file, 'utf8')));
if (missing.length > 0) {
  console.error(
    `check:lockfile: ${file} lacks ${missing.length} optional package(s) that npm ci needs on other platforms:\n  ` +
      `${missing.join('\n  ')}\n` +
      'Fix: mv node_modules /tmp/nm && npm install --package-lock-only --no-audit --no-fund && mv /tmp/nm node_modules',
  );
  process.exitCode = 1;
} else {
  console.log(`check:lockfile: every optional dependency in ${file} has its own entry`);
}
