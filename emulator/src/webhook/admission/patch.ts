/** Turns the decided injection into RFC 6902 operations against the pod exactly as it was admitted. */
import { escapePathComponent, type Operation } from 'fast-json-patch';
import type { ContainerView } from './pod';

/** Appends items to the list at `path`, creating the list when the pod has none. */
export function appendToList(path: string, exists: boolean, items: unknown[]): Operation[] {
  if (!exists) return [{ op: 'add', path, value: items }];
  return items.map((value) => ({ op: 'add', path: `${path}/-`, value }));
}

/** Pods that reach injection carry the role annotation, so the annotations map always exists. */
export function addAnnotation(key: string, value: string): Operation {
  return { op: 'add', path: `/metadata/annotations/${escapePathComponent(key)}`, value };
}

export function addEnv(
  containerPath: string,
  container: ContainerView,
  name: string,
  value: string,
): Operation[] {
  return appendToList(`${containerPath}/env`, container.hasEnvList, [{ name, value }]);
}

/**
 * Inserts items into a list so that each ends up at its given final index (ascending). Sequential adds at ascending
 * final indices do exactly that; a missing list is created whole.
 */
export function insertIntoList(
  path: string,
  exists: boolean,
  inserts: { index: number; item: unknown }[],
): Operation[] {
  if (!exists) return [{ op: 'add', path, value: inserts.map(({ item }) => item) }];
  return inserts.map(({ index, item }) => ({ op: 'add', path: `${path}/${index}`, value: item }));
}
