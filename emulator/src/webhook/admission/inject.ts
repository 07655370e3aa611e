/** Builds the JSON Patch that injects the emulator into a pod that passed every rule. */
import type { Operation } from 'fast-json-patch';
import {
  initContainer,
  initRunVolume,
  noApiTokenVolume,
  sidecarContainer,
  stsCaVolumes,
  tokenVolume,
} from './containers';
import type { InjectionSettings, SidecarMode } from './index';
import { INJECTED_ANNOTATION, SIDECAR_METRICS_PORT } from './keys';
import type { PodOptions } from './options';
import { addAnnotation, addEnv, appendToList, insertIntoList } from './patch';
import type { ContainerView, PodView } from './pod';
import type { EmulatorPorts } from './ports';
import { MESH_PROXIES } from './warnings';

const ENDPOINT_ENV = 'AWS_EC2_METADATA_SERVICE_ENDPOINT';

interface Injection {
  patch: Operation[];
  warnings: string[];
}

/**
 * The env-mode endpoint. The trailing slash is needed: Debian's aws CLI v2 (2.9) joins the endpoint and
 * `latest/api/token` without one. Clients that add their own slash (JS SDK v2) then send `//latest/…`, which the
 * sidecar answers like `/latest/…`.
 */
export function imdsEndpoint(port: number): string {
  return `http://127.0.0.1:${port}/`;
}

/** Index (among the pod's own init containers) just after a native mesh proxy, else 0. */
function afterNativeMeshProxy(initContainers: readonly ContainerView[]): number {
  const proxy = initContainers.findIndex(
    (c) => MESH_PROXIES.includes(c.name) && c.restartPolicy === 'Always',
  );
  return proxy + 1;
}

/** env mode: every existing container learns where IMDS is; a value the user set is left alone. */
function endpointEnv(pod: PodView, endpoint: string): Injection {
  const patch: Operation[] = [];
  const kept: string[] = [];
  const lists: [string, ContainerView[]][] = [
    ['/spec/initContainers', pod.initContainers],
    ['/spec/containers', pod.containers],
  ];
  for (const [path, containers] of lists) {
    containers.forEach((container, i) => {
      if (!container.env.has(ENDPOINT_ENV))
        patch.push(...addEnv(`${path}/${i}`, container, ENDPOINT_ENV, endpoint));
      else if (container.env.get(ENDPOINT_ENV) !== endpoint) kept.push(container.name);
    });
  }
  const warnings =
    kept.length > 0 ? [`container(s) ${kept.join(', ')} set ${ENDPOINT_ENV} themselves; left unchanged`] : [];
  return { patch, warnings };
}

export function inject(
  pod: PodView,
  options: PodOptions,
  settings: InjectionSettings,
  mode: SidecarMode,
  ports: EmulatorPorts,
): Injection {
  const redirectByIptables = options.redirect === 'iptables';
  // Env operations use the original container indices, so they come before any insertion.
  const env = redirectByIptables ? { patch: [], warnings: [] } : endpointEnv(pod, imdsEndpoint(ports.imds));
  const patch = [...env.patch];

  const namers = [...pod.initContainers, ...pod.containers].filter((c) =>
    c.portNames.includes(SIDECAR_METRICS_PORT),
  );
  const sidecar = sidecarContainer(settings, options, ports, mode, namers.length === 0);
  const portWarnings = namers.length
    ? [
        `container(s) ${namers.map((c) => c.name).join(', ')} declare a port named ${SIDECAR_METRICS_PORT}: the ` +
          "emulator's metrics port is left undeclared, so a PodMonitor selecting that name does not scrape it",
      ]
    : [];
  const initInserts: { index: number; item: unknown }[] = [];
  if (redirectByIptables) initInserts.push({ index: 0, item: initContainer(settings, ports) });
  if (mode === 'native') {
    // Right after our init step, or after a native mesh proxy so the emulator's STS calls find the mesh running.
    initInserts.push({ index: afterNativeMeshProxy(pod.initContainers) + initInserts.length, item: sidecar });
  }
  if (initInserts.length > 0) {
    patch.push(...insertIntoList('/spec/initContainers', pod.hasInitContainers, initInserts));
  }
  if (mode === 'classic') {
    // A proxy that holds the pod with its own postStart hook stays first; the emulator comes right after it.
    const index = pod.containers[0] && MESH_PROXIES.includes(pod.containers[0].name) ? 1 : 0;
    patch.push(...insertIntoList('/spec/containers', pod.hasContainers, [{ index, item: sidecar }]));
  }

  const volumes = [
    tokenVolume(settings),
    ...stsCaVolumes(settings),
    noApiTokenVolume(),
    ...(redirectByIptables ? [initRunVolume()] : []),
  ];
  patch.push(...appendToList('/spec/volumes', pod.hasVolumes, volumes));
  patch.push(addAnnotation(INJECTED_ANNOTATION, settings.image));
  return { patch, warnings: [...env.warnings, ...portWarnings] };
}
