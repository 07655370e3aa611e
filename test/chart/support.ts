/** Helpers of the chart tests: the real helm binaries, manifest normalisation and strict Kubernetes schemas. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv, { type ValidateFunction } from 'ajv';
import { Testing } from 'cdk8s';
import * as yaml from 'yaml';
import { ImdsEmulator } from '../../constructs/src';
import { addSelfCheck } from '../../scripts/chart/self-check';
import {
  defaultValues,
  helmFullname,
  mergeValues,
  propsFromValues,
  type Values,
} from '../../scripts/chart/values';

const run = promisify(execFile);
export const ROOT = join(__dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'imds-emulator');
export const HELMS = {
  helm3: join(ROOT, '.tools', 'helm3', 'helm'),
  helm4: join(ROOT, '.tools', 'helm4', 'helm'),
};
export type HelmName = keyof typeof HELMS;

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped JSON.
export type Obj = any;

const scratch = mkdtempSync(join(tmpdir(), 'imds-chart-test-'));
let fileCount = 0;
/** Removes the temporary values files; call from afterAll. */
export function cleanup(): void {
  rmSync(scratch, { recursive: true, force: true });
}

/** Runs helm; resolves with stdout and stderr, or rejects with the error (stderr in its message). */
export async function helm(name: HelmName, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(HELMS[name], args, {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, HELM_CACHE_HOME: scratch },
  });
}

/** Writes values to a temporary file for `-f`. */
export function valuesFile(values: Values): string {
  const path = join(scratch, `values-${fileCount++}.yaml`);
  writeFileSync(path, yaml.stringify(values));
  return path;
}

/** `helm template` of the chart, parsed into objects. */
export async function helmTemplate(
  name: HelmName,
  release: string,
  namespace: string,
  values: Values,
  extra: string[] = [],
) {
  const { stdout } = await helm(name, [
    'template',
    release,
    CHART,
    '-n',
    namespace,
    '-f',
    valuesFile(values),
    ...extra,
  ]);
  return yaml
    .parseAllDocuments(stdout)
    .map((d) => d.toJS())
    .filter((o) => o !== null);
}

/** The construct's objects for the props equivalent to `values` rendered as `release` in `namespace`. */
export function constructObjects(release: string, namespace: string, values: Values): Obj[] {
  const merged = mergeValues(defaultValues(), values);
  const chart = Testing.chart();
  const fullname = helmFullname(release, merged.fullnameOverride as string);
  const props = propsFromValues(merged, { fullname, namespace, scope: chart });
  addSelfCheck(chart, merged, new ImdsEmulator(chart, 'imds-emulator', props), props);
  return Testing.synth(chart);
}

const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

function prune(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(prune);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (v === null || v === undefined) continue;
    out[k] = prune(v);
  }
  return out;
}

/** Objects keyed by kind/namespace/name, Helm-only labels dropped, nulls dropped. */
export function normalize(objects: Obj[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const o of objects) {
    const copy = prune(structuredClone(o)) as Obj;
    for (const labels of [copy.metadata?.labels, copy.spec?.template?.metadata?.labels]) {
      for (const l of HELM_ONLY_LABELS) if (labels) delete labels[l];
    }
    const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (out[key]) throw new Error(`duplicate object ${key}`);
    out[key] = copy;
  }
  return out;
}

/**
 * A strict validator built from the OpenAPI schemas a kubernetes-models release ships: every object schema gets
 * `additionalProperties: false`, so a field unknown to that Kubernetes version fails (kubernetes-models' own
 * validate() lets unknown fields through).
 */
export function strictValidator(pkg: string): (obj: Obj) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const dirs = [
    join(ROOT, 'node_modules', pkg, '_schemas'),
    join(ROOT, 'node_modules', pkg, 'node_modules', '@kubernetes-models', 'apimachinery', '_schemas'),
  ];
  const tighten = (s: unknown): void => {
    if (typeof s !== 'object' || s === null) return;
    if (Array.isArray(s)) {
      for (const item of s) tighten(item);
      return;
    }
    const o = s as Record<string, unknown>;
    if (o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
    for (const v of Object.values(o)) tighten(v);
  };
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      const schema = /const schema = (\{\}|\{[\s\S]*?\n\});\n/.exec(text);
      const id = /register\)\("([^"]+)"/.exec(text);
      if (!schema || !id) throw new Error(`${pkg}: cannot read the schema in ${file}`);
      const parsed = JSON.parse(schema[1]);
      tighten(parsed);
      ajv.addSchema(parsed, id[1]);
    }
  }
  const cache = new Map<string, ValidateFunction>();
  return (obj: Obj) => {
    const [group, version] = obj.apiVersion.includes('/')
      ? obj.apiVersion.split('/')
      : ['core', obj.apiVersion];
    const id = `io.k8s.api.${group.split('.')[0]}.${version}.${obj.kind}`;
    let validate = cache.get(id);
    if (!validate) {
      validate = ajv.getSchema(id);
      if (!validate) return [`${pkg} has no schema ${id}`];
      cache.set(id, validate);
    }
    if (validate(obj)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}

/**
 * kubernetes-models' own validation (types, required fields, enums; unknown fields pass), for releases that ship
 * compiled validators instead of schemas.
 */
export function modelValidator(pkg: string): (obj: Obj) => string[] {
  return (obj: Obj) => {
    // biome-ignore lint/suspicious/noExplicitAny: the model classes are looked up by kind.
    const models: any = require(join(ROOT, 'node_modules', pkg, obj.apiVersion));
    if (!models[obj.kind]) return [`${pkg} has no model ${obj.apiVersion} ${obj.kind}`];
    try {
      new models[obj.kind](obj).validate();
      return [];
    } catch (e) {
      return [(e as Error).message];
    }
  };
}
