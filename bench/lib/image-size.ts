/** Sizes of the image that `npm run image` builds, read from its OCI archive by the build's own describe.js. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const REPO = resolve(__dirname, '../..');

/** The archive `npm run image` writes for this machine's architecture (build.sh's default IMAGE_OUTPUT). */
export function imageArchive(): string {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch;
  const version = (
    JSON.parse(readFileSync(join(REPO, 'emulator/package.json'), 'utf8')) as { version: string }
  ).version;
  return join(REPO, `.cache/image/imds-emulator-${version}-${arch}.oci.tar`);
}

/** Builds the image with `npm run image` unless its archive exists; returns the archive. */
export function ensureImage(): string {
  const archive = imageArchive();
  if (!existsSync(archive)) execFileSync('npm', ['run', 'image'], { cwd: REPO, stdio: 'inherit' });
  return archive;
}

export interface ImageSize {
  readonly digest: string;
  /** What a registry stores and a node pulls: the compressed layers (describe.js). */
  readonly compressedMB: number;
  /** What a node unpacks: the layers' uncompressed tar streams. */
  readonly unpackedMB: number;
}

export function imageSize(archive: string): ImageSize {
  const layout = mkdtempSync(join(tmpdir(), 'imds-bench-oci-'));
  try {
    execFileSync('tar', ['-xf', archive, '-C', layout]);
    const described = JSON.parse(
      execFileSync('node', [join(REPO, 'emulator/image/describe.js'), layout, archive], { encoding: 'utf8' }),
    ) as { digest: string; layers: string[]; compressedSize: string };
    // Each layer line is "<digest> <size> MB"; the blob of a digest sha256:x is blobs/sha256/x.
    const unpacked = described.layers
      .map((line) => line.split(' ')[0])
      .reduce(
        (sum, digest) => sum + gunzipSync(readFileSync(join(layout, 'blobs', ...digest.split(':')))).length,
        0,
      );
    return {
      digest: described.digest,
      compressedMB: Number.parseFloat(described.compressedSize),
      unpackedMB: unpacked / 1e6,
    };
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}
