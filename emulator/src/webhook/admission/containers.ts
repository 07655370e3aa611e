/** The objects the webhook adds to a pod: the init step, the sidecar and their volumes. */
import { envName, INIT_FLAGS, SIDECAR_FLAGS } from '@imds-emulator/contract';
import type { InjectionSettings, SidecarMode } from './index';
import {
  API_TOKEN_MOUNT_PATH,
  INIT_CONTAINER,
  INIT_RUN_VOLUME,
  NO_API_TOKEN_VOLUME,
  SIDECAR_CONTAINER,
  SIDECAR_METRICS_PORT,
  STS_CA_FILE,
  STS_CA_MOUNT_PATH,
  STS_CA_VOLUME,
  TOKEN_FILE,
  TOKEN_MOUNT_PATH,
  TOKEN_VOLUME,
  ZONE_LABEL,
} from './keys';
import type { PodOptions } from './options';
import type { EmulatorPorts } from './ports';

/** The image's entrypoint (DEVELOPERS.md); an exec hook does not go through ENTRYPOINT, so it names the binary. */
const BINARY = '/usr/local/bin/imds-emulator';
const NONROOT = 65532;

const SECCOMP = { type: 'RuntimeDefault' };
const NO_API_TOKEN_MOUNT = { name: NO_API_TOKEN_VOLUME, mountPath: API_TOKEN_MOUNT_PATH, readOnly: true };

/**
 * What `kubectl describe pod` shows when an injected container fails. The sidecar writes its credential failure and
 * fix to the file on exit; when a container exits non-zero with the file empty (a start-up error, the init step's
 * iptables failure), the kubelet shows the tail of its log instead.
 */
const TERMINATION_MESSAGE = {
  terminationMessagePath: SIDECAR_FLAGS.terminationMessagePath.default,
  terminationMessagePolicy: 'FallbackToLogsOnError',
};

/**
 * The sidecar's runtime settings, as environment variables of its container; the bench starts the sidecar with the
 * same ones (BENCHMARKS.md has the memory measured with and without each).
 */
export const SIDECAR_RUNTIME_ENV: Readonly<Record<string, string>> = {
  // V8 grows each young-generation semi-space up to 16 MiB under a burst of requests and keeps those pages; a
  // credential server's per-request garbage dies young, so 1 MiB semi-spaces cost no CPU that the bench could tell
  // from noise and keep memory near the idle level.
  NODE_OPTIONS: '--max-semi-space-size=1',
  // glibc gives each thread that allocates (here libuv's pool, for the token file and DNS) an arena of its own, and
  // keeps its pages; two arenas kept the idle sidecar about 1 MiB smaller.
  MALLOC_ARENA_MAX: '2',
};

export function initContainer(settings: InjectionSettings, ports: EmulatorPorts): Record<string, unknown> {
  return {
    name: INIT_CONTAINER,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: ['init', `--${INIT_FLAGS.port.name}`, String(ports.imds)],
    // iptables needs root in the pod's network namespace, but nothing beyond these two capabilities.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] },
      seccompProfile: SECCOMP,
    },
    // From bench:pod (BENCHMARKS.md "Pod"): the init step takes about 90 ms of CPU, which a 200m quota stretched to
    // at least 450 ms of every opted-in pod's start; its largest process peaks at 56 MiB RSS, binary pages included.
    // The requests only count where they exceed the pod's containers' (init requests are not added to them).
    resources: {
      requests: { cpu: '10m', memory: '64Mi' },
      limits: { cpu: '1', memory: '128Mi' },
    },
    volumeMounts: [{ name: INIT_RUN_VOLUME, mountPath: '/run' }, NO_API_TOKEN_MOUNT],
    ...TERMINATION_MESSAGE,
  };
}

function probe(path: string, port: number, periodSeconds: number, failureThreshold: number) {
  return { httpGet: { path, port, scheme: 'HTTP' }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

/** `--name value` pairs of the sidecar's flags, by the contract's names. */
function flagArgs(
  values: Partial<Record<keyof typeof SIDECAR_FLAGS, string | number | undefined>>,
): string[] {
  return Object.entries(values).flatMap(([key, value]) =>
    value === undefined ? [] : [`--${SIDECAR_FLAGS[key as keyof typeof SIDECAR_FLAGS].name}`, String(value)],
  );
}

function sidecarArgs(
  settings: InjectionSettings,
  options: PodOptions,
  ports: EmulatorPorts,
  mode: SidecarMode,
): string[] {
  return [
    'sidecar',
    ...flagArgs({
      roleArn: options.roleArn,
      region: options.region,
      httpTokens: options.httpTokens,
      sessionDuration: options.sessionDuration,
      serveRegion: options.serveRegion ? 'true' : undefined,
      port: ports.imds,
      healthPort: ports.health,
      tokenFile: `${TOKEN_MOUNT_PATH}/${TOKEN_FILE}`,
      stsEndpoint: settings.stsEndpoint || undefined,
      // A native sidecar gets SIGTERM only after the app's containers have exited: nothing is left to serve, and a
      // drain would only delay the end of every Job's pod.
      drainSeconds: mode === 'native' ? 0 : undefined,
    }),
  ];
}

function fieldEnv(name: string, fieldPath: string) {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

/**
 * The emulator. Native mode: an init container with `restartPolicy: Always`, which kubelet starts before the next
 * init container once its startupProbe passes. Classic mode: the first regular container, whose postStart hook
 * blocks until it is ready, because kubelet starts the next container only after a postStart hook returns.
 * `namedPort`: declare the health port as SIDECAR_METRICS_PORT, which the chart's PodMonitor scrapes (false when an
 * app container already uses that name, which Services and probes would then resolve to the emulator).
 */
export function sidecarContainer(
  settings: InjectionSettings,
  options: PodOptions,
  ports: EmulatorPorts,
  mode: SidecarMode,
  namedPort: boolean,
): Record<string, unknown> {
  const { resources } = settings;
  return {
    name: SIDECAR_CONTAINER,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: sidecarArgs(settings, options, ports, mode),
    ...(namedPort && {
      ports: [{ name: SIDECAR_METRICS_PORT, containerPort: ports.health, protocol: 'TCP' }],
    }),
    env: [
      fieldEnv(envName(SIDECAR_FLAGS.podNamespace.name), 'metadata.namespace'),
      fieldEnv(envName(SIDECAR_FLAGS.podName.name), 'metadata.name'),
      fieldEnv(envName(SIDECAR_FLAGS.serviceAccount.name), 'spec.serviceAccountName'),
      // The node's zone where the API server copies it onto pods (ZONE_LABEL); elsewhere the label is missing, the
      // variable is empty and the sidecar answers placement/availability-zone with 404.
      ...(options.serveRegion
        ? [fieldEnv(envName(SIDECAR_FLAGS.availabilityZone.name), `metadata.labels['${ZONE_LABEL}']`)]
        : []),
      ...Object.entries(SIDECAR_RUNTIME_ENV).map(([name, value]) => ({ name, value })),
      // Node reads it once at start-up and trusts these certificates besides its own (the AWS SDK's TLS included).
      ...(settings.stsCaBundle
        ? [{ name: 'NODE_EXTRA_CA_CERTS', value: `${STS_CA_MOUNT_PATH}/${STS_CA_FILE}` }]
        : []),
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NONROOT,
      runAsGroup: NONROOT,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: SECCOMP,
    },
    resources: {
      requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
      limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
    },
    volumeMounts: [
      { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true },
      NO_API_TOKEN_MOUNT,
      ...(settings.stsCaBundle
        ? [{ name: STS_CA_VOLUME, mountPath: STS_CA_MOUNT_PATH, readOnly: true }]
        : []),
    ],
    startupProbe: probe('/readyz', ports.health, 1, 120),
    readinessProbe: probe('/readyz', ports.health, 5, 3),
    livenessProbe: probe('/healthz', ports.health, 10, 3),
    ...TERMINATION_MESSAGE,
    ...(mode === 'native'
      ? { restartPolicy: 'Always' }
      : {
          lifecycle: {
            postStart: {
              exec: {
                command: [
                  BINARY,
                  'sidecar',
                  `--${SIDECAR_FLAGS.waitReady.name}`,
                  ...flagArgs({ healthPort: ports.health }),
                ],
              },
            },
          },
        }),
  };
}

export function tokenVolume(settings: InjectionSettings): Record<string, unknown> {
  return {
    name: TOKEN_VOLUME,
    projected: {
      sources: [
        {
          serviceAccountToken: {
            audience: settings.tokenAudience,
            expirationSeconds: settings.tokenExpirationSeconds,
            path: TOKEN_FILE,
          },
        },
      ],
    },
  };
}

/** The CA bundle's key, as the one file the sidecar's NODE_EXTRA_CA_CERTS names; none without a bundle. */
export function stsCaVolumes(settings: InjectionSettings): Record<string, unknown>[] {
  const bundle = settings.stsCaBundle;
  if (!bundle) return [];
  const items = [{ key: bundle.key, path: STS_CA_FILE }];
  return [
    {
      name: STS_CA_VOLUME,
      ...(bundle.source === 'configMap'
        ? { configMap: { name: bundle.name, items } }
        : { secret: { secretName: bundle.name, items } }),
    },
  ];
}

/** Mounted over the API token path of the injected containers (keys.ts); nothing writes to it. */
export function noApiTokenVolume(): Record<string, unknown> {
  return { name: NO_API_TOKEN_VOLUME, emptyDir: { sizeLimit: '1Ki' } };
}

export function initRunVolume(): Record<string, unknown> {
  return { name: INIT_RUN_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } };
}
