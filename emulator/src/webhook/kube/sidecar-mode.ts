/**
 * Which sidecar style `--sidecar-mode auto` injects, from the API server's /version and every node's kubelet version.
 * Pure: the inputs are what the API said (or that it could not say), the output the mode with its reason.
 *
 * Native sidecars (init containers with restartPolicy: Always) are on by default from Kubernetes 1.29 (beta). In 1.28
 * they exist behind the SidecarContainers feature gate, off by default, and no API shows whether an administrator
 * turned it on: 1.28 gets classic, and such clusters can say --sidecar-mode native explicitly. The kubelet is what
 * runs them, and kubelets may be up to three minors older than the API server: a kubelet without them runs the
 * sidecar as a plain init container that never finishes, and the pod stays in Init. So native needs the API server
 * and every node at 1.29 or later; anything unknown or unreadable gets classic, which works on every version.
 */
import type { SidecarMode } from '../admission';

export const NATIVE_SIDECARS_SINCE = { major: 1, minor: 29 };
const SHOWN_SINCE = `${NATIVE_SIDECARS_SINCE.major}.${NATIVE_SIDECARS_SINCE.minor}`;

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion?: string;
}

export interface KubeletVersion {
  node: string;
  version: string;
}

/** What the node watch knows: not listed yet, listed (every node's kubelet), or not allowed to list nodes. */
export type NodesState =
  | { state: 'pending'; detail?: string }
  | { state: 'synced'; kubelets: readonly KubeletVersion[] }
  | { state: 'forbidden'; detail: string };

/**
 * How the mode was chosen, for the metric's `source` label: a short fixed set, so a dashboard can alert on it.
 * `fallback`: the API has not answered yet (or /version was unreadable); `nodes-forbidden`: RBAC denies listing nodes.
 */
export type ModeSource =
  | 'versions'
  | 'server-version'
  | 'kubelet-version'
  | 'unparseable-version'
  | 'nodes-forbidden'
  | 'fallback';

export interface ModeDecision {
  mode: SidecarMode;
  source: ModeSource;
  reason: string;
}

/**
 * major.minor of a Kubernetes version string: `v1.29.3`, `v1.29.3-eks-4b1b4b3`, `v1.30.1+k3s1`, `v1.28.5-gke.1200`;
 * undefined for anything else.
 */
export function parseKubeVersion(text: string): { major: number; minor: number } | undefined {
  const match = /^v?(\d{1,4})\.(\d{1,4})(?:\.\d{1,6})?(?:[-+][0-9A-Za-z.+_-]*)?$/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** The API server's version: its major/minor fields (managed clusters say minor "29+"), else its gitVersion. */
function serverVersion(version: ServerVersion): { major: number; minor: number } | undefined {
  const major = Number.parseInt(version.major, 10);
  const minor = Number.parseInt(version.minor, 10);
  if (Number.isFinite(major) && Number.isFinite(minor)) return { major, minor };
  return parseKubeVersion(version.gitVersion ?? '');
}

function hasNativeSidecars(v: { major: number; minor: number }): boolean {
  return v.major > NATIVE_SIDECARS_SINCE.major || (v.major === 1 && v.minor >= NATIVE_SIDECARS_SINCE.minor);
}

const classic = (source: ModeSource, reason: string): ModeDecision => ({ mode: 'classic', source, reason });

/** A few names for the log, and how many more there are. */
function some(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

function serverDecision(version: ServerVersion): ModeDecision | undefined {
  const shown = version.gitVersion || `${version.major}.${version.minor}`;
  const parsed = serverVersion(version);
  if (!parsed) return classic('unparseable-version', `unrecognised API server version "${shown}"`);
  if (hasNativeSidecars(parsed)) return undefined;
  if (parsed.major === 1 && parsed.minor === NATIVE_SIDECARS_SINCE.minor - 1) {
    return classic(
      'server-version',
      `Kubernetes ${shown}: native sidecars need the SidecarContainers feature gate, which no API shows; use --sidecar-mode native if it is on everywhere`,
    );
  }
  return classic('server-version', `Kubernetes ${shown} has no native sidecars (they need ${SHOWN_SINCE})`);
}

export function decideSidecarMode(server: ServerVersion | undefined, nodes: NodesState): ModeDecision {
  if (!server) return classic('fallback', 'the API server version is not known yet');
  const byServer = serverDecision(server);
  if (byServer) return byServer;
  if (nodes.state === 'forbidden') {
    return classic(
      'nodes-forbidden',
      `the webhook may not list nodes (${nodes.detail}), so it cannot tell whether every kubelet runs native sidecars: grant get/list/watch on nodes to its ClusterRole`,
    );
  }
  if (nodes.state === 'pending') {
    return classic(
      'fallback',
      `the kubelet versions are not known yet${nodes.detail ? ` (${nodes.detail})` : ''}`,
    );
  }
  const unreadable = nodes.kubelets.filter((k) => !parseKubeVersion(k.version));
  if (unreadable.length > 0) {
    return classic(
      'unparseable-version',
      `unrecognised kubelet version on node(s) ${some(unreadable.map((k) => `${k.node} ("${k.version}")`))}`,
    );
  }
  const old = nodes.kubelets.filter((k) => {
    const parsed = parseKubeVersion(k.version);
    return parsed && !hasNativeSidecars(parsed);
  });
  if (old.length > 0) {
    return classic(
      'kubelet-version',
      `node(s) ${some(old.map((k) => `${k.node} (kubelet ${k.version})`))} run a kubelet older than ${SHOWN_SINCE}, where a native sidecar never finishes starting`,
    );
  }
  return {
    mode: 'native',
    source: 'versions',
    reason: `the API server (${server.gitVersion || `${server.major}.${server.minor}`}) and all ${nodes.kubelets.length} node(s) run ${SHOWN_SINCE} or later`,
  };
}
