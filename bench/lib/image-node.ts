/**
 * The Node binary the image ships (emulator/image/versions.env), so that the benchmarks measure the runtime that runs
 * in pods: the machine's Node can be another major with another V8, and the two differ in both CPU per request and
 * memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const TARBALL_SCRIPT = resolve(__dirname, '../../emulator/image/node-tarball.sh');

/** Path of the image's `node` for this machine's architecture, extracted once per tarball into the temp dir. */
export function imageNode(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!arch) throw new Error(`the image has no Node for architecture ${process.arch}`);
  const tarball = execFileSync('bash', [TARBALL_SCRIPT, arch], { encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `imds-emulator-bench-${basename(tarball, '.tgz')}`);
  const node = join(dir, 'node');
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=2', 'package/bin/node']);
  }
  return node;
}

/** `node --version` of `node`. */
export function nodeVersion(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}
