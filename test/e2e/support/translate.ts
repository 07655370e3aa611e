/**
 * The only changes the e2e makes to a pod the webhook mutated before `podman kube play` runs it — each one stands in
 * for something the Kubernetes control plane or kubelet does and podman does not (see docs/image.md):
 *
 * 1. name from generateName: the API server names a generateName pod after admission; podman needs a name.
 * 2. native sidecars: podman runs every init container to completion before the containers, so an init container
 *    with restartPolicy Always (a native sidecar) would block the pod; it becomes the first regular container.
 * 3. projected service-account token: podman has no token issuer; the projected volume becomes a hostPath
 *    directory holding a signed test JWT under the same file name.
 * 4. downward-API env (fieldRef) other than metadata.name: podman 4.3 rejects e.g. metadata.namespace and
 *    spec.serviceAccountName; the value is resolved from the pod, as the kubelet would.
 * 5. init containers kept after they ran (podman annotation io.podman.annotations.init.container.type=always):
 *    podman 4.3 removes "once" init containers and races with their exit ("cannot remove container ... as it is
 *    running"); kept, they also leave their exit code and log for the test to check. They still run before the
 *    containers, once per pod start, as in Kubernetes — provided the pod's restartPolicy is not Always: podman
 *    applies the pod's policy to init containers too and would re-run a finished one forever, so a pod with
 *    Always (the default) gets OnFailure, which is what Kubernetes applies to init containers.
 * 6. container ports: the kubelet publishes nothing for a containerPort (it only names the port), but podman 4.3
 *    turns each into a port mapping, which `--network none` refuses ("PortMappings can only be used with Bridge or
 *    slirp4netns networking"); they are dropped.
 */

type Json = Record<string, unknown>;
const PODMAN_INIT_TYPE = 'io.podman.annotations.init.container.type';
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } } & Json;
}
interface Container extends Json {
  name: string;
  restartPolicy?: string;
  ports?: Json[];
  env?: EnvVar[];
}
interface Volume extends Json {
  name: string;
  projected?: { sources?: Array<{ serviceAccountToken?: { path: string } }> };
}
export interface PodManifest extends Json {
  metadata: { name?: string; generateName?: string } & Json;
  spec: { initContainers?: Container[]; containers: Container[]; volumes?: Volume[] } & Json;
}

export interface Translated {
  readonly pod: PodManifest;
  /** One line per change, for the test output. */
  readonly translations: string[];
  /** File names the projected token volumes expect, to write into `tokenDir`. */
  readonly tokenFiles: string[];
}

export function translateForPodman(
  input: PodManifest,
  options: { tokenDir: string; nameSuffix: string },
): Translated {
  const pod = structuredClone(input);
  const translations: string[] = [];
  const tokenFiles: string[] = [];

  if (!pod.metadata.name && pod.metadata.generateName) {
    pod.metadata.name = `${pod.metadata.generateName}${options.nameSuffix}`;
    delete pod.metadata.generateName;
    translations.push(`metadata.name ${pod.metadata.name} from generateName (the API server's job)`);
  }

  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  if (sidecars.length > 0) {
    pod.spec.initContainers = (pod.spec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always');
    pod.spec.containers = [
      ...sidecars.map(({ restartPolicy: _always, ...rest }) => rest),
      ...pod.spec.containers,
    ];
    translations.push(
      `native sidecar(s) ${sidecars.map((c) => c.name).join(', ')} run as regular container(s)`,
    );
  }

  for (const volume of pod.spec.volumes ?? []) {
    const paths = (volume.projected?.sources ?? []).flatMap((s) =>
      s.serviceAccountToken ? [s.serviceAccountToken.path] : [],
    );
    if (paths.length === 0) continue;
    tokenFiles.push(...paths);
    delete volume.projected;
    volume.hostPath = { path: options.tokenDir, type: 'Directory' };
    translations.push(
      `volume ${volume.name}: projected service-account token -> hostPath with a test JWT (${paths.join(', ')})`,
    );
  }
  if ((pod.spec.initContainers ?? []).length > 0) {
    const annotations = (pod.metadata.annotations ?? {}) as Record<string, string>;
    pod.metadata.annotations = { ...annotations, [PODMAN_INIT_TYPE]: 'always' };
    translations.push(`annotation ${PODMAN_INIT_TYPE}=always (init containers kept after they ran)`);
    if ((pod.spec.restartPolicy ?? 'Always') === 'Always') {
      pod.spec.restartPolicy = 'OnFailure';
      translations.push('restartPolicy Always -> OnFailure (podman would restart finished init containers)');
    }
  }

  const withPorts = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].filter((c) => c.ports);
  for (const container of withPorts) delete container.ports;
  if (withPorts.length > 0)
    translations.push(
      `container ports of ${withPorts.map((c) => c.name).join(', ')} dropped (no port mappings)`,
    );

  const resolved = new Set<string>();
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const env of container.env ?? []) {
      const fieldPath = env.valueFrom?.fieldRef?.fieldPath;
      if (!fieldPath || fieldPath === 'metadata.name') continue;
      const value = fieldPath
        .split('.')
        .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], pod);
      if (typeof value !== 'string')
        throw new Error(`${container.name}: cannot resolve fieldRef ${fieldPath}`);
      delete env.valueFrom;
      env.value = value;
      resolved.add(fieldPath);
    }
  }
  if (resolved.size > 0)
    translations.push(`downward-API env ${[...resolved].join(', ')} resolved from the pod`);
  return { pod, translations, tokenFiles };
}
