/**
 * The image builds under test, with the time each took: emulator/Dockerfile with `podman build` (no daemon) on a
 * Debian base made locally (no registry is reachable), and `npm run image` per architecture.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { podman } from '../../e2e/support/podman';
import { execOk } from '../../support/exec';

export const REPO = resolve(__dirname, '../../..');
export const IMAGE_DIR = join(REPO, 'emulator/image');
export const CACHE =
  process.env.IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'imds-emulator');
/** The machine's CA bundle: HTTPS from the build to the npm registry goes through whatever the host trusts. */
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

export async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    process.stdout.write(`image: ${what.padEnd(56)} ${String(Date.now() - started).padStart(7)} ms\n`);
  }
}

/** Imports the bookworm minbase root filesystem of debian-base.sh (cached in CACHE) as `reference`. */
export async function importDebianBase(reference: string, arch = 'amd64'): Promise<void> {
  const tar = (
    await execOk('bash', [join(IMAGE_DIR, 'debian-base.sh'), CACHE, arch], { timeoutMs: 1800000 })
  ).trim();
  await podman(['import', '-q', tar, reference], 300000);
}

/**
 * `podman build` of emulator/Dockerfile from the repository, as a user's pipeline would run it. --layers=false: no
 * intermediate images are left in the shared storage. The network is the host's (apt mirror, npm registry).
 */
export async function buildDockerfile(reference: string, debianImage: string): Promise<void> {
  await podman(
    [
      ...['build', '--layers=false', '--network', 'host', '--pull=never', '-t', reference],
      ...[
        '-f',
        join(REPO, 'emulator/Dockerfile'),
        '--ignorefile',
        join(REPO, 'emulator/Dockerfile.dockerignore'),
      ],
      ...['--build-arg', `DEBIAN_IMAGE=${debianImage}`, '-v', `${HOST_CA}:/run/build-ca.crt:ro`],
      ...[
        '--build-arg',
        'CURL_CA_BUNDLE=/run/build-ca.crt',
        '--build-arg',
        'NODE_EXTRA_CA_CERTS=/run/build-ca.crt',
      ],
      REPO,
    ],
    1800000,
  );
}

/** Unpacked size in bytes, as `podman images` reports it. */
export async function imageSize(reference: string): Promise<number> {
  return Number((await podman(['image', 'inspect', reference, '--format', '{{.Size}}'])).trim());
}

/** The pinned inputs of emulator/image/versions.env (KEY=value lines). */
export function versionsEnv(): Record<string, string> {
  const lines = readFileSync(join(IMAGE_DIR, 'versions.env'), 'utf8').split('\n');
  return Object.fromEntries(
    lines
      .filter((l) => /^\w+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

export interface ImageBuild {
  readonly version: string;
  /** The OCI image index archive, and the single-image archive of each architecture. */
  readonly index: string;
  readonly archives: Record<string, string>;
  /** build.sh's closing JSON line (describe.js): index digest, per-architecture digests and sizes. */
  readonly describe: {
    tag: string;
    index: string;
    images: Record<string, { digest: string; compressedSize: string }>;
  };
}

/** `npm run image` (build.sh) for IMAGE_ARCHES (default: amd64 and arm64), writing the index archive to `out`. */
export async function buildImage(out: string, env: NodeJS.ProcessEnv = {}): Promise<ImageBuild> {
  const stdout = await execOk('bash', [join(IMAGE_DIR, 'build.sh')], {
    env: { ...process.env, ...env, IMAGE_OUTPUT: out },
    timeoutMs: 3600000,
  });
  process.stdout.write(stdout.replace(/^/gm, '  '));
  const describe = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ImageBuild['describe'];
  const archives = Object.fromEntries(
    Object.keys(describe.images).map((arch) => [arch, out.replace(/\.oci\.tar$/, `-${arch}.oci.tar`)]),
  );
  return { version: describe.tag, index: out, archives, describe };
}

/** The image index an OCI archive's `tag` names: its manifests with their platforms, read with tar. */
export async function ociIndex(
  archive: string,
  tag: string,
): Promise<Array<{ digest: string; platform: { architecture: string; os: string } }>> {
  const read = async (member: string) => JSON.parse(await execOk('tar', ['-xOf', archive, member]));
  const top = await read('./index.json');
  const entry = top.manifests.find(
    (m: { annotations?: Record<string, string> }) =>
      m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (entry?.mediaType !== 'application/vnd.oci.image.index.v1+json') {
    throw new Error(`${archive}: tag ${tag} is not an image index (${JSON.stringify(entry)})`);
  }
  return (await read(`./blobs/${entry.digest.replace(':', '/')}`)).manifests;
}
