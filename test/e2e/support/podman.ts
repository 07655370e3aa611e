import { resolve } from 'node:path';
import { type ExecResult, exec, execOk } from '../../support/exec';

const podmanDir = resolve(__dirname, '../../../emulator/image/podman');

/**
 * Podman with the project's own configuration (runc, cgroupfs, ulimits within the machine's hard limits, no
 * network, storage apart from the machine's): nothing system-wide is read or changed.
 */
export const podmanEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINERS_CONF: resolve(podmanDir, 'containers.conf'),
  CONTAINERS_STORAGE_CONF: resolve(podmanDir, 'storage.conf'),
};

export const podman = (args: readonly string[], timeoutMs?: number): Promise<string> =>
  execOk('podman', args, { env: podmanEnv, timeoutMs });

export const podmanTry = (args: readonly string[], timeoutMs?: number): Promise<ExecResult> =>
  exec('podman', args, { env: podmanEnv, timeoutMs });

/** `podman inspect` of one container or pod, parsed. */
export async function inspect<T = Record<string, unknown>>(
  kind: 'container' | 'pod',
  name: string,
): Promise<T> {
  const parsed = JSON.parse(await podman([kind, 'inspect', name])) as T | T[];
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/** Loads an OCI archive and gives it `reference`; returns the image ID. */
export async function loadImage(archive: string, reference: string): Promise<string> {
  const out = await podman(['load', '-i', archive], 300000);
  // An OCI archive's ref.name is just the tag (e.g. 0.1.0), which podman names localhost/0.1.0:latest.
  const loaded = /Loaded image(?:\(s\))?: (\S+)/.exec(out)?.[1];
  if (!loaded) throw new Error(`podman load printed no image name:\n${out}`);
  await podman(['tag', loaded, reference]);
  if (loaded !== reference) await podman(['untag', loaded, loaded]);
  return (await podman(['image', 'inspect', reference, '--format', '{{.Id}}'])).trim();
}
