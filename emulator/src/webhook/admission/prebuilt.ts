/**
 * The injected containers and volumes, serialized once and reused. On Node 20, JSON.stringify of the sidecar container
 * was most of a review's CPU time, and every pod of a Deployment gets the same one (same settings, role and ports).
 * Serialization stays byte-for-byte what JSON.stringify of the whole patch gives.
 */
import type { Operation } from 'fast-json-patch';

const JSON_OF = new WeakMap<object, string>();

/** Objects built for one settings object, by key; bounded, since the keys come from pod annotations. */
const BUILT = new WeakMap<object, Map<string, object>>();
const MAX_PER_SETTINGS = 512;

/**
 * `build()`'s result, built and serialized once per (settings object, key). The key must name every input of `build`
 * besides the settings, which are never modified after parsing. The object is frozen: it is shared between reviews.
 */
export function prebuilt<T extends object>(settings: object, key: string, build: () => T): T {
  let built = BUILT.get(settings);
  if (!built) {
    built = new Map();
    BUILT.set(settings, built);
  }
  const found = built.get(key);
  if (found) return found as T;
  const value = Object.freeze(build());
  if (built.size >= MAX_PER_SETTINGS) built.clear();
  built.set(key, value);
  JSON_OF.set(value, JSON.stringify(value));
  return value;
}

function toJson(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const json = JSON_OF.get(value);
    if (json !== undefined) return json;
    if (Array.isArray(value) && value.some((item) => JSON_OF.has(item))) {
      return `[${value.map(toJson).join(',')}]`;
    }
  }
  return JSON.stringify(value);
}

/** JSON.stringify(patch), with prebuilt values copied in rather than serialized again. */
export function serializePatch(patch: readonly Operation[]): string {
  const ops = patch.map((op) =>
    'value' in op && typeof op.value === 'object' && op.value !== null
      ? `{"op":${JSON.stringify(op.op)},"path":${JSON.stringify(op.path)},"value":${toJson(op.value)}}`
      : JSON.stringify(op),
  );
  return `[${ops.join(',')}]`;
}
