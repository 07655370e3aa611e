/**
 * Property test of the pure decision over generated and mutated reviews (seeded, so a failure reproduces): it never
 * throws, always answers in a well-formed way, and every patch applies to the original and keeps a valid Pod valid.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { Pod } from 'kubernetes-models/v1';
import {
  type AdmissionOutcome,
  type NamespaceInfo,
  reviewAdmission,
  type SidecarMode,
} from '../../../emulator/src/webhook/admission';
import { prng } from '../../support/prng';
import { type Json, P, podWith, reviewOf, settings } from './support';

const ITERATIONS = 10_000;

const random = prng(20261123);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const DIR = join(__dirname, '../../fixtures/pods');
const fixturePods: Json[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(DIR, file), 'utf8')));

const STRINGS = [
  '',
  'True',
  'true',
  'env',
  'iptables',
  'required',
  'optional',
  'eu-west-1',
  '900',
  '43200',
  '3600',
  '-1',
  'arn:aws:iam::123456789012:role/app',
  'arn:aws:iam::123456789012:role/a/b/c',
  'arn:aws:iam::1:role/x',
  'arn:aws:iam::123456789012:role/**',
  'a/b~c~1/~0',
  '16925',
  '\u0000\u202e☃',
  'x'.repeat(5000),
  '*'.repeat(300),
  'Pod',
  'v1',
  'CREATE',
  'UPDATE',
  '__proto__',
];
const KEYS = [
  `${P}enabled`,
  `${P}typo\nwith a newline`,
  `${P}role-arn`,
  `${P}redirect`,
  `${P}http-tokens`,
  `${P}region`,
  `${P}session-duration`,
  `${P}injected`,
  `${P}role`,
  'a/b~c',
  '__proto__',
  'constructor',
];

function randomValue(depth = 0): unknown {
  switch (Math.floor(random() * (depth > 2 ? 6 : 9))) {
    case 0:
      return null;
    case 1:
      return pick([0, -1, 16925, 16926, 65535, 70000, 1.5, Number.MAX_SAFE_INTEGER]);
    case 2:
      return random() < 0.5;
    case 3:
    case 4:
      return pick(STRINGS);
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 3) }, () => [pick(KEYS), randomValue(depth + 1)]),
      );
  }
}

/** Every JSON-pointer-ish path (as key arrays) inside a value, containers included. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) paths(item, [...prefix, i], out);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  }
  return out;
}

function mutate(review: Json): Json {
  const copy = structuredClone(review);
  const count = 1 + Math.floor(random() * 3);
  for (let m = 0; m < count; m++) {
    const all = paths(copy).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const path = pick(all);
    const parent = path.slice(0, -1).reduce((node: Json, key) => node?.[key], copy);
    const key = path[path.length - 1];
    if (parent === null || typeof parent !== 'object') continue;
    const action = random();
    if (action < 0.3) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (action < 0.8) parent[key] = randomValue();
    else if (!Array.isArray(parent)) parent[pick(KEYS)] = randomValue();
    else parent.push(structuredClone(parent[key as number]));
  }
  return copy;
}

function generatedPod(): Json {
  const annotations: Record<string, string> = {};
  for (const key of KEYS.slice(1, 7)) if (random() < 0.4) annotations[key] = pick(STRINGS);
  const ports = random() < 0.3 ? [{ containerPort: pick([80, 16925, 16926, 16927]) }] : undefined;
  const env =
    random() < 0.3
      ? [{ name: pick(['AWS_ROLE_ARN', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'X']), value: 'v' }]
      : undefined;
  return podWith(annotations, {
    containers: [{ name: 'app', image: 'app:1', ...(ports ? { ports } : {}), ...(env ? { env } : {}) }],
    ...(random() < 0.3 ? { initContainers: [{ name: 'setup', image: 's' }] } : {}),
    ...(random() < 0.1 ? { hostNetwork: true } : {}),
  });
}

function isValidPod(object: unknown): boolean {
  try {
    new Pod(object as Json).validate();
    return true;
  } catch {
    return false;
  }
}

const NAMESPACES: (NamespaceInfo | undefined)[] = [
  undefined,
  { labels: {}, annotations: {} },
  { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' }, annotations: {} },
  { labels: {}, annotations: { [`${P}allowed-role-arns`]: 'arn:aws:iam::123456789012:role/*' } },
];

test(`${ITERATIONS} generated and mutated reviews: never a throw, always a well-formed answer`, () => {
  const outcomes: Record<AdmissionOutcome, number> = { mutated: 0, skipped: 0, denied: 0, invalid: 0 };
  let patchesChecked = 0;
  // Plain checks in the loop (jest's expect costs more than the decision itself); failures are listed at the end.
  const failures: string[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const base = reviewOf(random() < 0.5 ? structuredClone(pick(fixturePods)) : generatedPod());
    const body = random() < 0.6 ? mutate(base) : base;
    const mode: SidecarMode = random() < 0.5 ? 'native' : 'classic';
    const info = pick(NAMESPACES);
    const snapshot = JSON.stringify(body);
    const check = (ok: boolean, what: string) => {
      if (!ok && failures.length < 20)
        failures.push(`iteration ${i}: ${what}; review ${snapshot.slice(0, 400)}`);
    };

    const result = reviewAdmission(body, settings({ enforceNamespacePolicy: random() < 0.5 }), {
      sidecarMode: mode,
      namespace: () => info,
    });

    check([200, 400].includes(result.httpStatus), `HTTP ${result.httpStatus}: ${result.reason}`);
    check(JSON.stringify(body) === snapshot, 'the input was modified');
    check(typeof result.reason === 'string' && result.reason.length > 0, 'no reason');
    outcomes[result.outcome]++;
    const answer = result.body as Json;
    if (result.httpStatus !== 200) {
      check(result.outcome === 'invalid' && typeof answer.error === 'string', 'a 400 without an error');
      continue;
    }
    const response = answer.response;
    check(
      answer.apiVersion === 'admission.k8s.io/v1' && answer.kind === 'AdmissionReview',
      'not a v1 review',
    );
    check(response.uid === (body as Json).request.uid, 'uid not echoed');
    check(
      response.allowed === (result.outcome === 'mutated' || result.outcome === 'skipped'),
      'allowed mismatch',
    );
    if (!response.allowed)
      check(response.status?.message === result.reason, 'status.message is not the reason');
    check(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
      (response.warnings ?? []).every((w: unknown) => typeof w === 'string' && !/[\u0000-\u001f]/.test(w)),
      'a warning that is not a one-line string',
    );
    if (result.outcome !== 'mutated') {
      check(response.patch === undefined, 'a patch on an unmutated answer');
      continue;
    }
    const patch: Operation[] = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    const object = (body as Json).request.object;
    let patched: unknown;
    try {
      patched = applyPatch(structuredClone(object), patch, true, false).newDocument;
    } catch (err) {
      check(false, `the patch does not apply: ${err}`);
      continue;
    }
    if (isValidPod(object)) {
      check(isValidPod(patched), 'a valid pod became invalid');
      patchesChecked++;
    }
  }
  expect(failures).toEqual([]);
  // The generator must reach every outcome often enough for the properties above to mean something.
  for (const outcome of Object.keys(outcomes) as AdmissionOutcome[])
    expect(outcomes[outcome]).toBeGreaterThan(300);
  expect(patchesChecked).toBeGreaterThan(1000);
});
