/**
 * The webhook's use of the Kubernetes API, against the loopback stand-in API server (fake-apiserver.ts; no real
 * kube-apiserver exists on this machine): namespace policy from a watched cache (no API call per review),
 * `--sidecar-mode auto` from /version, and clear logs plus a not-ready state when the API server cannot be reached.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCa, issueServingCert } from '../../../emulator/src/webhook/certs/generate';
import { freePort } from '../../support/ports';
import { health, post, startWebhook, type WebhookProcess, waitUntil } from '../server/harness';
import { patchOf, podReview } from '../server/reviews';
import { FakeApiServer } from './fake-apiserver';

const ALLOWED = 'gkemulticloud.googleapis.com/aws-imds-emulator-allowed-role-arns';
let api: FakeApiServer;
let dir: string;
let tlsArgs: string[];
const started: WebhookProcess[] = [];

async function start(args: string[], kubeconfig = join(dir, 'kubeconfig')): Promise<WebhookProcess> {
  const webhook = await startWebhook(['--image=registry.example/imds-emulator:0.1.0', ...tlsArgs, ...args], {
    KUBECONFIG: kubeconfig,
  });
  started.push(webhook);
  await webhook.waitForLog((l) => l.msg === 'webhook listening');
  return webhook;
}

async function review(webhook: WebhookProcess, namespace: string, role: string) {
  const res = await post(webhook.port, JSON.stringify(podReview({ namespace, role })));
  return res.json as { response: { allowed: boolean; status?: { message: string } } };
}

beforeAll(async () => {
  api = new FakeApiServer();
  await api.start();
  dir = mkdtempSync(join(tmpdir(), 'webhook-api-'));
  api.writeKubeconfig(dir);
  const ca = await generateCa('api-test', new Date(), 3600);
  const pair = await issueServingCert(ca, ['localhost'], new Date(), 3600);
  writeFileSync(join(dir, 'tls.crt'), pair.certPem);
  writeFileSync(join(dir, 'tls.key'), pair.keyPem);
  tlsArgs = [`--tls-cert=${join(dir, 'tls.crt')}`, `--tls-key=${join(dir, 'tls.key')}`];
});

afterAll(async () => {
  await Promise.all(started.map((w) => w.stop()));
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('namespace policy', () => {
  it('enforces the namespace annotation from a watched cache, following updates without per-review calls', async () => {
    api.setNamespace('team-a', { [ALLOWED]: 'arn:aws:iam::123456789012:role/team-a-*' });
    const webhook = await start(['--sidecar-mode=native']);
    await waitUntil(
      async () => (await health(webhook.healthPort, '/readyz')).status === 200,
      10_000,
      'ready',
    );

    const allowed = await review(webhook, 'team-a', 'arn:aws:iam::123456789012:role/team-a-reader');
    expect(allowed.response.allowed).toBe(true);
    const denied = await review(webhook, 'team-a', 'arn:aws:iam::123456789012:role/admin');
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toMatch(/team-a/);
    expect(denied.response.status?.message).toContain(ALLOWED);

    // The namespace changes: the watch delivers it, the next review sees it.
    api.setNamespace('team-a', { [ALLOWED]: 'arn:aws:iam::123456789012:role/admin' });
    await waitUntil(
      async () => (await review(webhook, 'team-a', 'arn:aws:iam::123456789012:role/admin')).response.allowed,
      10_000,
      'the updated namespace policy',
    );
    expect(api.requests.filter((r) => r.startsWith('GET /api/v1/namespaces/team-a'))).toEqual([]);
    expect(api.requests.filter((r) => r === 'GET /api/v1/namespaces')).toHaveLength(1);
    expect(api.requests).toContain('GET /api/v1/namespaces?watch');
    const metrics = (await health(webhook.healthPort, '/metrics')).body;
    expect(metrics).toMatch(/imds_emulator_webhook_namespace_cache_synced 1/);
    expect(metrics).toMatch(/imds_emulator_webhook_namespace_cache_namespaces 1/);
  });
});

describe('--sidecar-mode auto', () => {
  const sidecarIsNative = (res: unknown) => JSON.stringify(patchOf(res)).includes('"restartPolicy":"Always"');
  const modeMetric = async (webhook: WebhookProcess) =>
    /imds_emulator_webhook_sidecar_mode\{mode="(\w+)",source="([\w-]+)"\} 1/
      .exec((await health(webhook.healthPort, '/metrics')).body)
      ?.slice(1);
  const resolved = (webhook: WebhookProcess, mode: string, source: string) =>
    webhook.waitForLog(
      (l) => l.msg === '--sidecar-mode auto resolved' && l.sidecarMode === mode && l.source === source,
    );

  beforeEach(() => {
    for (const name of [...api.nodes.keys()]) api.deleteNode(name);
    api.forbidden.clear();
  });

  it.each([
    ['v1.30.2', '1', '30', true, 'versions'],
    ['v1.28.9', '1', '28', false, 'server-version'],
    ['v1.27.3-eks-abc', '1', '27+', false, 'server-version'],
  ])(
    'on %s (major %s, minor %s) with recent kubelets injects native sidecars: %s',
    async (gitVersion, major, minor, native, source) => {
      api.version = { major, minor, gitVersion };
      api.setNode('worker-1', 'v1.30.2');
      const webhook = await start(['--sidecar-mode=auto', '--namespace-policy=false']);
      const mode = native ? 'native' : 'classic';
      await resolved(webhook, mode, source);
      const res = await post(webhook.port, JSON.stringify(podReview()));
      expect(sidecarIsNative(res.json)).toBe(native);
      expect(await modeMetric(webhook)).toEqual([mode, source]);
      await webhook.stop();
    },
  );

  it('follows nodes with an old kubelet joining, being upgraded and leaving', async () => {
    api.version = { major: '1', minor: '30', gitVersion: 'v1.30.2' };
    api.setNode('worker-1', 'v1.30.1+k3s1');
    api.setNode('worker-2', 'v1.29.3-eks-4b1b4b3');
    const before = api.requests.length;
    const webhook = await start(['--sidecar-mode=auto', '--namespace-policy=false']);
    await resolved(webhook, 'native', 'versions');
    expect(sidecarIsNative((await post(webhook.port, JSON.stringify(podReview()))).json)).toBe(true);

    // A node with a 1.27 kubelet joins: new pods get classic sidecars, and the log names the node.
    api.setNode('old-1', 'v1.27.9-eks-5e0fdde');
    const toClassic = await resolved(webhook, 'classic', 'kubelet-version');
    expect(toClassic.reason).toMatch(/old-1 \(kubelet v1\.27\.9-eks-5e0fdde\).*older than 1\.29/);
    expect(sidecarIsNative((await post(webhook.port, JSON.stringify(podReview()))).json)).toBe(false);
    expect(await modeMetric(webhook)).toEqual(['classic', 'kubelet-version']);

    // Its kubelet is upgraded in place (a MODIFIED event): native again.
    api.setNode('old-1', 'v1.29.10-eks-1234');
    await waitUntil(
      async () => (await modeMetric(webhook))?.[0] === 'native',
      10_000,
      'native after the upgrade',
    );

    // Another old node joins, then leaves: classic, then native again.
    api.setNode('old-2', 'v1.28.5-gke.1200');
    await waitUntil(async () => (await modeMetric(webhook))?.[0] === 'classic', 10_000, 'classic with old-2');
    api.deleteNode('old-2');
    await waitUntil(
      async () => (await modeMetric(webhook))?.[0] === 'native',
      10_000,
      'native without old-2',
    );
    expect(sidecarIsNative((await post(webhook.port, JSON.stringify(podReview()))).json)).toBe(true);

    // One list, then a watch: no polling.
    expect(api.requests.slice(before).filter((r) => r === 'GET /api/v1/nodes')).toHaveLength(1);
    await webhook.stop();
  });

  it('lists again when its watch history expired (410) while it was disconnected, and sees what it missed', async () => {
    api.version = { major: '1', minor: '30', gitVersion: 'v1.30.2' };
    api.setNode('worker-1', 'v1.30.2');
    const before = api.requests.length;
    const webhook = await start(['--sidecar-mode=auto', '--namespace-policy=false']);
    await resolved(webhook, 'native', 'versions');
    const lists = () => api.requests.slice(before).filter((r) => r === 'GET /api/v1/nodes').length;
    expect(lists()).toBe(1);
    // The API server goes away; while the webhook is disconnected a node with an old kubelet joins and the history
    // the webhook would resume from is compacted.
    api.failWith = 503;
    api.endWatches();
    await webhook.waitForLog((l) => l.msg === 'Kubernetes API unreachable for the node watch');
    api.setNode('old-1', 'v1.26.15');
    api.compactHistory();
    api.failWith = undefined;
    await resolved(webhook, 'classic', 'kubelet-version');
    expect(lists()).toBe(2);
    expect(api.requests.slice(before)).toContain('GET /api/v1/nodes?watch');
    await webhook.stop();
  });

  it('resumes after the API server ends its watch (watch timeout) and sees the next change', async () => {
    api.version = { major: '1', minor: '30', gitVersion: 'v1.30.2' };
    api.setNode('worker-1', 'v1.30.2');
    const webhook = await start(['--sidecar-mode=auto', '--namespace-policy=false']);
    await resolved(webhook, 'native', 'versions');
    const watches = () => api.requests.filter((r) => r === 'GET /api/v1/nodes?watch').length;
    const before = watches();
    api.endWatches();
    await waitUntil(async () => watches() > before, 15_000, 'a new watch after the server ended one');
    api.setNode('old-1', 'v1.27.1');
    await waitUntil(async () => (await modeMetric(webhook))?.[0] === 'classic', 10_000, 'classic with old-1');
    await webhook.stop();
  });

  it('injects classic sidecars with a clear log line and metric when RBAC forbids listing nodes', async () => {
    api.version = { major: '1', minor: '31', gitVersion: 'v1.31.0' };
    api.setNode('worker-1', 'v1.31.0');
    api.forbidden.add('/api/v1/nodes');
    const webhook = await start(['--sidecar-mode=auto', '--namespace-policy=false']);
    const line = await webhook.waitForLog((l) => String(l.msg).startsWith('listing nodes is forbidden'));
    expect(line).toMatchObject({
      level: 'warn',
      err: expect.stringMatching(/HTTP 403.*cannot list resource "nodes"/),
    });
    await resolved(webhook, 'classic', 'nodes-forbidden');
    expect(await modeMetric(webhook)).toEqual(['classic', 'nodes-forbidden']);
    expect(sidecarIsNative((await post(webhook.port, JSON.stringify(podReview()))).json)).toBe(false);
    await webhook.stop();
  });
});

describe('an unreachable API server', () => {
  it('is logged with what it affects, keeps the webhook not ready, and falls back to classic sidecars', async () => {
    const closed = await freePort();
    const kubeconfig = join(dir, 'kubeconfig-unreachable');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'gone',
            cluster: { server: `http://127.0.0.1:${closed}`, 'insecure-skip-tls-verify': true },
          },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'u' } }],
        'current-context': 'gone',
      }),
    );
    const webhook = await start(['--sidecar-mode=auto'], kubeconfig);
    const nsLine = await webhook.waitForLog(
      (l) => l.msg === 'Kubernetes API unreachable for the namespace watch',
    );
    expect(nsLine).toMatchObject({
      level: 'warn',
      apiServer: `http://127.0.0.1:${closed}`,
      affects: expect.stringMatching(/namespace policy cannot be enforced; the webhook stays not ready/),
      retryInSeconds: expect.any(Number),
    });
    expect(String(nsLine.err)).toMatch(/ECONNREFUSED/);
    const modeLine = await webhook.waitForLog((l) =>
      String(l.msg).startsWith('--sidecar-mode auto could not learn'),
    );
    expect(modeLine.msg).toMatch(/injecting classic sidecars/);
    expect(String(modeLine.err)).toContain('Kubernetes API unreachable');
    const ready = await health(webhook.healthPort, '/readyz');
    expect(ready).toEqual({
      status: 503,
      body: 'not ready: the namespace cache has not synced from the API server yet\n',
    });
    // Retries continue with backoff: a second failure is logged later.
    await waitUntil(
      () =>
        webhook.logs.filter((l) => l.msg === 'Kubernetes API unreachable for the namespace watch').length >=
        2,
      10_000,
      'a retry',
    );
  });
});

describe('start-up', () => {
  it('warns when --default-session-duration is too short for the sidecar to keep 30 minutes of validity', async () => {
    const webhook = await start([
      '--sidecar-mode=native',
      '--namespace-policy=false',
      '--default-session-duration=900',
    ]);
    const line = webhook.logs.find((l) => l.flag === '--default-session-duration');
    expect(line).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(/^session duration 900 s is below 2700 s/),
    });
    await webhook.stop();
  });
});
