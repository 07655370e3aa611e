#!/usr/bin/env node
/**
 * Bundles the compiled CLI (emulator/lib, `npm run build`) into one file for the image:
 *   node app-bundle.js <app-dir>   writes <app-dir>/lib/cli.js and <app-dir>/bin/imds-emulator.js
 *
 * Why: a sidecar that loads about 100 module files (98 once it is ready) makes Node's module resolution hot enough
 * for V8 to optimize it at start-up, which maps several MiB of the optimizing compiler; one file does not, and its
 * idle RSS is about 4 MiB smaller (BENCHMARKS.md). The webhook's own dependencies stay outside the bundle and are loaded from
 * <app-dir>/node_modules as before: the sidecar never loads them, and bundling them would only enlarge the file every
 * command parses.
 */
const { build } = require('esbuild');
const { copyFileSync, mkdirSync } = require('node:fs');
const { join, resolve } = require('node:path');

/** Loaded only by `imds-emulator webhook`. */
const WEBHOOK_ONLY = ['@kubernetes/client-node', '@peculiar/x509', 'reflect-metadata', 'fast-json-patch'];

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node app-bundle.js <app-dir>');
  const emulator = resolve(__dirname, '..');
  mkdirSync(join(out, 'bin'), { recursive: true });
  await build({
    entryPoints: [join(emulator, 'lib/cli.js')],
    outfile: join(out, 'lib/cli.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: WEBHOOK_ONLY,
    // Whitespace only: full minification measured 3.5 MiB more idle RSS (BENCHMARKS.md), and names in stack traces
    // stay readable.
    minifyWhitespace: true,
    logLevel: 'warning',
  });
  copyFileSync(join(emulator, 'bin/imds-emulator.js'), join(out, 'bin/imds-emulator.js'));
}

main().catch((err) => {
  process.stderr.write(`app-bundle: ${err.message}\n`);
  process.exit(1);
});
