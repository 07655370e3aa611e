/**
 * The compiled webhook over real HTTPS (files mode, no API server needed): good reviews, every kind of bad input, and
 * a seeded fuzz run of more than 10,000 reviews on keep-alive connections. The process must answer each with an HTTP
 * error carrying a JSON {error} or a well-formed AdmissionReview, and must still be alive at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../../support/prng';
import { filesModeArgs, health, post, startWebhook, type WebhookProcess, writeServingPair } from './harness';
import { patchOf, podReview } from './reviews';

let dir: string;
let webhook: WebhookProcess;
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'webhook-https-'));
  caPem = await writeServingPair(dir);
  webhook = await startWebhook(filesModeArgs(dir, 'native'));
  await webhook.waitForLog((l) => l.msg === 'webhook listening');
});

afterAll(async () => {
  await webhook?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Review = {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patch?: string };
};

/** What is wrong with an answer, or undefined if it is a proper HTTP error or a well-formed AdmissionReview. */
function problemWith(status: number, json: unknown, uid?: string): string | undefined {
  if (status === 200) {
    const review = json as Review;
    if (review?.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview')
      return 'not an AdmissionReview';
    if (typeof review.response?.uid !== 'string') return 'response.uid missing';
    if (uid !== undefined && review.response.uid !== uid)
      return `uid ${review.response.uid} instead of ${uid}`;
    if (typeof review.response.allowed !== 'boolean') return 'response.allowed missing';
    if (review.response.patch !== undefined && !Array.isArray(patchOf(review)))
      return 'patch is not a JSON array';
    return undefined;
  }
  if (![400, 413, 422].includes(status)) return `unexpected HTTP status ${status}`;
  return typeof (json as { error?: unknown })?.error === 'string' ? undefined : 'error body without {error}';
}

function expectWellFormed(status: number, json: unknown, uid?: string): void {
  expect(problemWith(status, json, uid)).toBeUndefined();
}

describe('POST /mutate over HTTPS', () => {
  it('verifies against the CA and mutates an opted-in pod', async () => {
    const res = await post(webhook.port, JSON.stringify(podReview({ uid: 'u-1' })), { ca: caPem });
    expect(res.status).toBe(200);
    expectWellFormed(res.status, res.json, 'u-1');
    const patch = patchOf(res.json);
    expect(patch.length).toBeGreaterThan(0);
    expect(JSON.stringify(patch)).toContain('imds-emulator');
  });

  it('allows a pod that did not opt in, unchanged', async () => {
    const res = await post(webhook.port, JSON.stringify(podReview({ uid: 'u-2', enabled: false })));
    expect(res.json).toMatchObject({ response: { uid: 'u-2', allowed: true } });
    expect((res.json as Review).response.patch).toBeUndefined();
  });

  it('logs who and what, never the pod spec (env values may be secrets)', async () => {
    const secret = 'sup3r-s3cret-db-password';
    await post(webhook.port, JSON.stringify(podReview({ uid: 'u-secret', env: { DB_PASSWORD: secret } })));
    const line = await webhook.waitForLog((l) => l.uid === 'u-secret');
    expect(line).toMatchObject({
      msg: 'review',
      outcome: 'mutated',
      namespace: 'default',
      generateName: 'app-7d4b9c-',
    });
    expect(webhook.output()).not.toContain(secret);
  });

  it('answers malformed JSON with 400 and what was expected', async () => {
    const res = await post(webhook.port, '{"apiVersion": "admission.k8s.io/v1", ');
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toBe(
      'request body is not JSON (at position 38); expected an admission.k8s.io/v1 AdmissionReview',
    );
  });

  it('never echoes or logs the text of a malformed body (it may hold secrets)', async () => {
    const secret = 'hunter2-not-json-secret';
    const res = await post(webhook.port, `{"env": [{"value": "${secret}"} oops`);
    expect(res.status).toBe(400);
    expect((res.json as { error: string }).error).toMatch(/^request body is not JSON \(at position \d+\)/);
    expect(res.body).not.toContain(secret);
    await webhook.waitForLog((l) => l.msg === 'review rejected' && /position/.test(String(l.reason)));
    expect(webhook.output()).not.toContain(secret);
  });

  it.each([
    ['wrong apiVersion', { ...podReview(), apiVersion: 'admission.k8s.io/v1beta1' }],
    ['wrong kind', { ...podReview(), kind: 'Pod' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['a JSON array', []],
    ['a JSON string', 'hello'],
    ['null', null],
  ])('refuses %s with a clear message', async (_, body) => {
    const res = await post(webhook.port, JSON.stringify(body));
    expectWellFormed(res.status, res.json);
    const text = res.body;
    if (res.status === 200) expect((res.json as Review).response.allowed).toBe(false);
    expect(text.length).toBeGreaterThan(20);
  });

  it('refuses a review of something that is not a Pod', async () => {
    const review = podReview({ uid: 'u-cm' });
    review.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
    review.request.resource = { group: '', version: 'v1', resource: 'configmaps' };
    const res = await post(webhook.port, JSON.stringify(review));
    expectWellFormed(res.status, res.json, res.status === 200 ? 'u-cm' : undefined);
    expect(res.body).toMatch(/Pod/);
  });

  it('answers an oversized body with 413 (read to the end, no reset) and keeps serving', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const huge = Buffer.alloc(4 * 1024 * 1024, 'a');
    const res = await post(webhook.port, huge, { agent });
    expect(res.status).toBe(413);
    expect((res.json as { error: string }).error).toMatch(/exceeds 3145728 bytes/);
    const next = await post(webhook.port, JSON.stringify(podReview()), { agent });
    expect(next.status).toBe(200);
    agent.destroy();
  });

  it('answers other paths and methods with 404 and 405', async () => {
    expect((await post(webhook.port, '{}', { path: '/validate' })).status).toBe(404);
    const get = await post(webhook.port, '', { method: 'GET' });
    expect(get.status).toBe(405);
    expect((get.json as { error: string }).error).toMatch(/use POST/);
  });

  it('is ready and counts reviews by outcome in /metrics', async () => {
    expect(await health(webhook.healthPort, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await health(webhook.healthPort, '/readyz')).toEqual({ status: 200, body: 'ok\n' });
    const metrics = (await health(webhook.healthPort, '/metrics')).body;
    expect(metrics).toMatch(/imds_emulator_webhook_reviews_total\{outcome="mutated"\} [1-9]/);
    expect(metrics).toMatch(/imds_emulator_webhook_reviews_total\{outcome="malformed"\} [1-9]/);
    expect(metrics).toMatch(/imds_emulator_webhook_reviews_total\{outcome="too-large"\} 1/);
    expect(metrics).toMatch(/imds_emulator_webhook_review_duration_seconds_count\{outcome="mutated"\} [1-9]/);
    expect(metrics).toMatch(/imds_emulator_webhook_certificate_expiration_timestamp_seconds \d{10}/);
    expect(metrics).toMatch(/^imds_emulator_webhook_ready 1$/m);
    expect(metrics).toMatch(/imds_emulator_webhook_sidecar_mode\{mode="native",source="flag"\} 1/);
  });
});

const SEED = 20261123;
const TOTAL = 10_000;

/** A random review: a valid one with random paths deleted, retyped or replaced, or broken JSON text. */
function fuzzedBody(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const weird = [
    null,
    true,
    0,
    -1,
    1e308,
    '',
    'True',
    '💥',
    '\u0000',
    '../../etc',
    [],
    {},
    [null],
    { $ref: '#' },
    'a'.repeat(5000),
  ];
  const review = podReview({ uid: `fuzz-${Math.floor(random() * 1e9)}`, enabled: random() < 0.8 }) as unknown;
  const paths: Array<[Record<string, unknown>, string]> = [];
  const walk = (node: unknown) => {
    if (node && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        paths.push([node as Record<string, unknown>, key]);
        walk((node as Record<string, unknown>)[key]);
      }
    }
  };
  walk(review);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const [parent, key] = pick(paths);
    const roll = random();
    if (roll < 0.3) delete parent[key];
    else if (roll < 0.8) parent[key] = pick(weird);
    else parent[`${key}~/${pick(['x', '/', '~1', ''])}`] = pick(weird);
  }
  const text = JSON.stringify(review);
  const form = random();
  if (form < 0.08) return text.slice(0, Math.floor(random() * text.length));
  if (form < 0.12)
    return Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))).toString('latin1');
  if (form < 0.14) return text.replace(/"/g, "'");
  return text;
}

describe('fuzzing POST /mutate', () => {
  it(`survives ${TOTAL} generated and mutated reviews on keep-alive connections`, async () => {
    const random = prng(SEED);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    let reused = 0;
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        next += 1;
        const body = fuzzedBody(random);
        const res = await post(webhook.port, body, { agent });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.reusedSocket) reused += 1;
        const problem = res.json === undefined ? 'answer is not JSON' : problemWith(res.status, res.json);
        if (problem) problems.push(`${problem}: HTTP ${res.status} for ${body.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    agent.destroy();

    expect(problems).toEqual([]);
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(answered).toBe(TOTAL);
    expect(reused).toBeGreaterThan(TOTAL * 0.9);
    // Both kinds of answer occurred, so the generator exercises the parser and the decision alike.
    expect(statuses.get(200)).toBeGreaterThan(1000);
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect(webhook.child.exitCode).toBeNull();
    expect((await health(webhook.healthPort, '/healthz')).status).toBe(200);
    expect((await post(webhook.port, JSON.stringify(podReview()))).status).toBe(200);
  });
});
