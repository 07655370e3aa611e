/** Sizes of the image that `npm run image` builds, read from its OCI archive by the build's own describe.js. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const REPO = resolve(__dirname, '../..');
const ARCH = { x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch;
const VERSION = (JSON.parse(readFileSync(join(REPO, 'emulator/package.json'), 'utf8')) as { version: string })
  .version;
/** build.sh's default IMAGE_OUTPUT: the image index of every architecture. */
const INDEX_ARCHIVE = join(REPO, `.cache/image/imds-emulator-${VERSION}.oci.tar`);

/** The archive `npm run image` writes for this machine's architecture (beside the index). */
export function imageArchive(): string {
  return INDEX_ARCHIVE.replace(/\.oci\.tar$/, `-${ARCH}.oci.tar`);
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

/** The sizes of this machine's architecture's image, read from the index archive that build.sh writes with it. */
export function imageSize(): ImageSize {
  const layout = mkdtempSync(join(tmpdir(), 'imds-bench-oci-'));
  try {
    execFileSync('tar', ['-xf', INDEX_ARCHIVE, '-C', layout]);
    const { images } = JSON.parse(
      execFileSync('node', [join(REPO, 'emulator/image/describe.js'), layout, VERSION, INDEX_ARCHIVE], {
        encoding: 'utf8',
      }),
    ) as { images: Record<string, { digest: string; layers: string[]; compressedSize: string }> };
    const described = images[ARCH];
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
