/**
 * Which sidecar style a cluster supports, from its /version. Pure.
 *
 * Native sidecars (init containers with restartPolicy: Always) are on by default from Kubernetes 1.29 (beta). In 1.28
 * they exist behind the SidecarContainers feature gate, off by default, and /version cannot tell whether an
 * administrator turned it on: 1.28 gets classic, and such clusters can say --sidecar-mode native explicitly.
 */
import type { SidecarMode } from '../admission';

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion?: string;
}

export function sidecarModeFor(
  version: ServerVersion,
): { mode: SidecarMode; reason: string } | { error: string } {
  // Managed clusters report minor versions like "29+"; the gitVersion (v1.29.3-gke.1) is the fallback.
  const fromFields = [Number.parseInt(version.major, 10), Number.parseInt(version.minor, 10)];
  const fromGit = /^v?(\d+)\.(\d+)/.exec(version.gitVersion ?? '');
  const [major, minor] =
    Number.isFinite(fromFields[0]) && Number.isFinite(fromFields[1])
      ? fromFields
      : fromGit
        ? [Number(fromGit[1]), Number(fromGit[2])]
        : [Number.NaN, Number.NaN];
  const shown = `${version.gitVersion ?? `${version.major}.${version.minor}`}`;
  if (!Number.isFinite(major) || !Number.isFinite(minor))
    return { error: `unrecognised server version "${shown}"` };
  if (major > 1 || minor >= 29) return { mode: 'native', reason: `Kubernetes ${shown} has native sidecars` };
  if (minor === 28) {
    return {
      mode: 'classic',
      reason: `Kubernetes ${shown}: native sidecars need the SidecarContainers feature gate, which /version cannot show; use --sidecar-mode native if it is on`,
    };
  }
  return { mode: 'classic', reason: `Kubernetes ${shown} has no native sidecars` };
}
