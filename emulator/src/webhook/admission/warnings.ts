/** Things that do not stop injection but would surprise the user: listed in the AdmissionReview's warnings. */
import type { SidecarMode } from './index';
import type { ContainerView, PodView } from './pod';

/** Variables that AWS SDK credential chains consult before IMDS (or that switch IMDS off). */
const SHADOWING_ENV: [string[], string][] = [
  [
    ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    'web identity (IRSA) comes before IMDS in AWS SDK credential chains',
  ],
  [
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'],
    'container credentials (EKS Pod Identity/ECS) come before IMDS in AWS SDK credential chains',
  ],
  [['AWS_ACCESS_KEY_ID'], 'static keys from the environment come before IMDS in AWS SDK credential chains'],
  [['AWS_EC2_METADATA_DISABLED'], 'it turns off IMDS in AWS SDKs'],
];

/** Sidecar proxies of meshes that capture outbound traffic; the emulator needs them running to reach STS. */
export const MESH_PROXIES = ['istio-proxy', 'linkerd-proxy'];

export function credentialWarnings(containers: readonly ContainerView[], roleArn: string): string[] {
  const warnings: string[] = [];
  for (const [names, why] of SHADOWING_ENV) {
    const hits = containers.filter((c) => names.some((name) => c.env.has(name)));
    if (hits.length === 0) continue;
    const found = names.filter((name) => hits.some((c) => c.env.has(name))).join('/');
    warnings.push(
      `container(s) ${hits.map((c) => c.name).join(', ')} set ${found}: ${why}, so they will not use ${roleArn} from the IMDS emulator`,
    );
  }
  return warnings;
}

/** What a classic sidecar does to a pod that should complete, the cause, and the ways out. */
export function neverCompletes(pod: PodView, cause: string): string {
  const owner = pod.controllerKind === 'Job' ? 'this Job pod' : `restartPolicy ${pod.restartPolicy}`;
  return (
    `${owner}: the emulator sidecar is classic (${cause}) and keeps running after the app exits, so the pod never ` +
    'completes. Fix: native sidecars (Kubernetes 1.29+ on the API server and on every node; --sidecar-mode auto or ' +
    'native), or run it without the emulator, with web identity directly (AWS_ROLE_ARN and ' +
    'AWS_WEB_IDENTITY_TOKEN_FILE with a projected service-account token); redirect: env does not help, it keeps ' +
    'the sidecar (docs/troubleshooting.md)'
  );
}

/** A pod that should complete but cannot with a classic sidecar: a Job's pod, which the webhook may refuse. */
export function completesNever(pod: PodView, mode: SidecarMode): boolean {
  return mode === 'classic' && pod.restartPolicy !== 'Always';
}

export function classicModeWarnings(pod: PodView, mode: SidecarMode, cause: string): string[] {
  if (mode !== 'classic') return [];
  const warnings: string[] = [];
  if (completesNever(pod, mode)) warnings.push(neverCompletes(pod, cause));
  if (pod.initContainers.length > 0) {
    warnings.push(
      'in classic sidecar mode the emulator starts after all init containers: they get no credentials',
    );
  }
  const lateProxy = pod.containers.slice(1).find((c) => MESH_PROXIES.includes(c.name));
  if (lateProxy) {
    warnings.push(
      `${lateProxy.name} starts after the emulator, which may not reach STS until the mesh proxy runs: ` +
        'start the proxy first (Istio: holdApplicationUntilProxyStarts)',
    );
  }
  return warnings;
}
