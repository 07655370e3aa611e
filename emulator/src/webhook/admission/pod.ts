/**
 * A typed, read-only view of the parts of an admitted Pod the rules look at. The object comes from the API server, but
 * a mutating webhook sees it before validation, so every field is checked rather than trusted.
 */
import { isRecord } from './envelope';

export interface ContainerView {
  name: string;
  /** Environment variables by name; the value is undefined when set through valueFrom. */
  env: Map<string, string | undefined>;
  /** Whether the container has an `env` list at all (decides between adding the list and appending to it). */
  hasEnvList: boolean;
  containerPorts: number[];
  /** Names of the declared ports that have one. */
  portNames: string[];
  /** `Always` marks a native sidecar among init containers. */
  restartPolicy: string | undefined;
}

export interface PodView {
  annotations: Record<string, string>;
  /** Kind of the controller in metadata.ownerReferences (e.g. `Job`), when there is one. */
  controllerKind: string | undefined;
  hostNetwork: boolean;
  /** `spec.os.name` when set (`linux` or `windows`). */
  os: string | undefined;
  restartPolicy: string;
  initContainers: ContainerView[];
  hasInitContainers: boolean;
  containers: ContainerView[];
  hasContainers: boolean;
  volumeNames: string[];
  hasVolumes: boolean;
}

export type ReadPod = { ok: true; pod: PodView } | { ok: false; error: string };

class ShapeError extends Error {}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new ShapeError(`${where} must be a map of strings`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new ShapeError(`${where}[${JSON.stringify(key)}] must be a string`);
  }
  return value as Record<string, string>;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ShapeError(`${where} must be a list`);
  return value;
}

function readContainer(value: unknown, where: string): ContainerView {
  if (!isRecord(value)) throw new ShapeError(`${where} must be an object`);
  if (typeof value.name !== 'string') throw new ShapeError(`${where}.name must be a string`);
  const env = new Map<string, string | undefined>();
  list(value.env, `${where}.env`).forEach((item, i) => {
    if (!isRecord(item) || typeof item.name !== 'string')
      throw new ShapeError(`${where}.env[${i}] needs a name`);
    env.set(item.name, typeof item.value === 'string' ? item.value : undefined);
  });
  const ports = list(value.ports, `${where}.ports`).map((item, i) => {
    if (!isRecord(item) || typeof item.containerPort !== 'number') {
      throw new ShapeError(`${where}.ports[${i}].containerPort must be a number`);
    }
    return item;
  });
  const containerPorts = ports.map((p) => p.containerPort as number);
  const portNames = ports.flatMap((p) => (typeof p.name === 'string' ? [p.name] : []));
  const restartPolicy = typeof value.restartPolicy === 'string' ? value.restartPolicy : undefined;
  return {
    name: value.name,
    env,
    hasEnvList: Array.isArray(value.env),
    containerPorts,
    portNames,
    restartPolicy,
  };
}

function controllerKind(value: unknown): string | undefined {
  const owner = list(value, 'metadata.ownerReferences').find(
    (ref) => isRecord(ref) && ref.controller === true && typeof ref.kind === 'string',
  );
  return isRecord(owner) ? String(owner.kind) : undefined;
}

function readVolumeName(value: unknown, i: number): string {
  if (!isRecord(value) || typeof value.name !== 'string')
    throw new ShapeError(`spec.volumes[${i}] needs a name`);
  return value.name;
}

export function readPod(object: Record<string, unknown>): ReadPod {
  try {
    const metadata = object.metadata ?? {};
    if (!isRecord(metadata)) throw new ShapeError('metadata must be an object');
    const spec = object.spec;
    if (!isRecord(spec)) throw new ShapeError('spec must be an object');
    const restartPolicy = spec.restartPolicy ?? 'Always';
    if (typeof restartPolicy !== 'string') throw new ShapeError('spec.restartPolicy must be a string');
    return {
      ok: true,
      pod: {
        annotations: stringMap(metadata.annotations, 'metadata.annotations'),
        controllerKind: controllerKind(metadata.ownerReferences),
        hostNetwork: spec.hostNetwork === true,
        os: isRecord(spec.os) && typeof spec.os.name === 'string' ? spec.os.name : undefined,
        restartPolicy,
        initContainers: list(spec.initContainers, 'spec.initContainers').map((c, i) =>
          readContainer(c, `spec.initContainers[${i}]`),
        ),
        hasInitContainers: Array.isArray(spec.initContainers),
        containers: list(spec.containers, 'spec.containers').map((c, i) =>
          readContainer(c, `spec.containers[${i}]`),
        ),
        hasContainers: Array.isArray(spec.containers),
        volumeNames: list(spec.volumes, 'spec.volumes').map(readVolumeName),
        hasVolumes: Array.isArray(spec.volumes),
      },
    };
  } catch (err) {
    if (err instanceof ShapeError) return { ok: false, error: `the Pod is malformed: ${err.message}` };
    throw err;
  }
}
