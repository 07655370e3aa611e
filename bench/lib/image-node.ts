/**
 * The Node binary the image ships (emulator/image/versions.env), so that the benchmarks measure the runtime that runs
 * in pods: the machine's Node can be another major with another V8, and the two differ in both CPU per request and
 * memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import IMAGE_ENTRYPOINT from '../../emulator/image/entrypoint.json';

const TARBALL_SCRIPT = resolve(__dirname, '../../emulator/image/node-tarball.sh');

/** The image's ENTRYPOINT (emulator/image/entrypoint.json): its Node, the Node flags, the CLI's script. */
export { IMAGE_ENTRYPOINT };

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

/**
 * The image's ENTRYPOINT with the CLI's `script` from outside the image: `node` (the image's Node, extracted here),
 * the ENTRYPOINT's own Node flags, then `script`; the CLI's arguments follow, as a container's `args` do.
 */
export function imageCommand(node: string, script: string): string[] {
  return [node, ...IMAGE_ENTRYPOINT.slice(1, -1), script];
}
