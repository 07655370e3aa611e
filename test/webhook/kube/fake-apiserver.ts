/**
 * A stand-in Kubernetes API server for the webhook's tests, on loopback over plain HTTP. No real kube-apiserver can be
 * installed on this machine (Debian has none, npm ships no envtest binaries), so this implements exactly the calls the
 * webhook makes, with the API server's semantics where they matter: create answers 409 AlreadyExists, update answers
 * 409 Conflict on a stale resourceVersion, JSON Patch `test` ops are honoured, and namespaces and nodes can be listed
 * and watched. A watch from a resourceVersion first replays the changes after it, as the API server's watch cache does
 * (nothing between a list and its watch is lost); one older than the retained history gets the API server's
 * `410 Expired` ERROR event, after which a client must list again. `forbid` answers 403 Forbidden, as RBAC does.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';

type KubeObject = {
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
} & Record<string, unknown>;

const MWC_PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/';

type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };

/** A cluster-scoped resource that can be listed and watched. */
class Watched {
  readonly objects = new Map<string, KubeObject>();
  /** Every change, oldest first; `compact` drops the head, as etcd compaction does. */
  private history: { rv: number; event: WatchEvent }[] = [];
  private oldest = 0;
  readonly watchers = new Set<ServerResponse>();

  constructor(readonly listKind: string) {}

  record(event: WatchEvent): void {
    const rv = Number(event.object.metadata.resourceVersion);
    this.history.push({ rv, event });
    for (const w of this.watchers) w.write(`${JSON.stringify(event)}\n`);
  }

  compact(upTo: number): void {
    this.history = this.history.filter((h) => h.rv > upTo);
    this.oldest = upTo;
  }

  list(
    res: ServerResponse,
    json: (res: ServerResponse, code: number, body: unknown) => void,
    rv: number,
  ): void {
    json(res, 200, {
      kind: this.listKind,
      apiVersion: 'v1',
      metadata: { resourceVersion: String(rv) },
      items: [...this.objects.values()],
    });
  }

  watch(res: ServerResponse, from: string | null): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from && Number(from) < this.oldest) {
      const message = `too old resource version: ${from} (${this.oldest})`;
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason: 'Expired', code: 410 } })}\n`,
      );
      return;
    }
    if (from) {
      for (const h of this.history) if (h.rv > Number(from)) res.write(`${JSON.stringify(h.event)}\n`);
    }
    this.watchers.add(res);
    res.on('close', () => this.watchers.delete(res));
  }
}

export class FakeApiServer {
  version = { major: '1', minor: '30', gitVersion: 'v1.30.2' };
  private readonly watched = {
    namespaces: new Watched('NamespaceList'),
    nodes: new Watched('NodeList'),
  };
  readonly namespaces = this.watched.namespaces.objects;
  readonly nodes = this.watched.nodes.objects;
  /** Paths (e.g. `/api/v1/nodes`) that RBAC forbids: list and watch answer 403. */
  readonly forbidden = new Set<string>();
  readonly secrets = new Map<string, KubeObject>();
  readonly webhookConfigurations = new Map<string, KubeObject>();
  /** Every request as "METHOD path", for asserting what the webhook asked (and did not ask). */
  readonly requests: string[] = [];
  /** While set, every request gets this status (simulates an API server that is down or erroring). */
  failWith?: number;
  private resourceVersion = 100;
  private server?: Server;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.status(res, 500, 'InternalError', String(err)));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of Object.values(this.watched)) for (const r of w.watchers) r.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A kubeconfig for this server, written into `dir`. */
  writeKubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // client-node refuses plain http unless TLS verification is explicitly off.
        clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'webhook', user: { token: 'fake-token' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'webhook' } }],
        'current-context': 'fake',
      }),
    );
    return file;
  }

  setNamespace(
    name: string,
    annotations: Record<string, string> = {},
    labels: Record<string, string> = {},
  ): void {
    const type = this.namespaces.has(name) ? 'MODIFIED' : 'ADDED';
    const object = this.stamp({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, annotations, labels },
    });
    this.namespaces.set(name, object);
    this.watched.namespaces.record({ type, object });
  }

  /** A node as its kubelet registers it (status.nodeInfo.kubeletVersion), or an update of it. */
  setNode(name: string, kubeletVersion: string): void {
    const type = this.nodes.has(name) ? 'MODIFIED' : 'ADDED';
    const object = this.stamp({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: {
        nodeInfo: { kubeletVersion, kubeProxyVersion: kubeletVersion, operatingSystem: 'linux' },
        // Real Node status carries every image on the node; the webhook must not keep this.
        images: [{ names: [`registry.example/big-image@sha256:${'0'.repeat(64)}`], sizeBytes: 1 }],
      },
    });
    this.nodes.set(name, object);
    this.watched.nodes.record({ type, object });
  }

  deleteNode(name: string): void {
    const current = this.nodes.get(name);
    if (!current) return;
    this.nodes.delete(name);
    // The DELETED event carries the object's last state at a new resourceVersion.
    this.watched.nodes.record({ type: 'DELETED', object: this.stamp(structuredClone(current)) });
  }

  /** Ends every open watch cleanly, as the API server does when a watch's timeout (minRequestTimeout) is reached. */
  endWatches(): void {
    for (const w of Object.values(this.watched)) for (const r of w.watchers) r.end();
  }

  /** Forgets the watch history up to now: a watch from an older resourceVersion gets 410 Expired. */
  compactHistory(): void {
    for (const w of Object.values(this.watched)) w.compact(this.resourceVersion);
  }

  addWebhookConfiguration(name: string, webhookNames: string[]): void {
    this.webhookConfigurations.set(
      name,
      this.stamp({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name },
        webhooks: webhookNames.map((n) => ({
          name: n,
          clientConfig: { service: { name: 'imds-emulator-webhook', namespace: 'imds', path: '/mutate' } },
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
        })),
      }),
    );
  }

  private stamp(object: KubeObject): KubeObject {
    object.metadata.resourceVersion = String(++this.resourceVersion);
    return object;
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    this.requests.push(`${req.method} ${path}${url.searchParams.get('watch') ? '?watch' : ''}`);
    if (this.failWith)
      return this.status(res, this.failWith, 'ServiceUnavailable', 'the fake API server is down');
    if (req.headers.authorization !== 'Bearer fake-token')
      return this.status(res, 401, 'Unauthorized', 'bad token');

    if (req.method === 'GET' && path === '/version') return this.json(res, 200, this.version);
    const collection = req.method === 'GET' && /^\/api\/v1\/(namespaces|nodes)$/.exec(path)?.[1];
    if (collection) {
      if (this.forbidden.has(path)) {
        const verb = url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
        return this.status(
          res,
          403,
          'Forbidden',
          `${collection} is forbidden: User "system:serviceaccount:imds:imds-emulator-webhook" cannot ${verb} resource "${collection}" in API group "" at the cluster scope`,
        );
      }
      const watched = this.watched[collection as keyof typeof this.watched];
      if (url.searchParams.get('watch') === 'true')
        return watched.watch(res, url.searchParams.get('resourceVersion'));
      return watched.list(res, (r, code, body) => this.json(r, code, body), this.resourceVersion);
    }
    const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
    if (secret) return this.handleSecret(req, res, secret[1], secret[2]);
    if (path.startsWith(MWC_PATH))
      return this.handleWebhookConfiguration(req, res, path.slice(MWC_PATH.length));
    this.status(res, 404, 'NotFound', `the fake API server does not serve ${req.method} ${path}`);
  }

  private async handleSecret(
    req: IncomingMessage,
    res: ServerResponse,
    ns: string,
    name?: string,
  ): Promise<void> {
    if (req.method === 'POST' && !name) {
      const body = (await this.body(req)) as KubeObject;
      const key = `${ns}/${body.metadata.name}`;
      if (this.secrets.has(key)) {
        return this.status(res, 409, 'AlreadyExists', `secrets "${body.metadata.name}" already exists`);
      }
      const stored = this.stamp({ ...body, metadata: { ...body.metadata, namespace: ns } });
      this.secrets.set(key, stored);
      return this.json(res, 201, stored);
    }
    const key = `${ns}/${name}`;
    const current = this.secrets.get(key);
    if (req.method === 'GET') {
      return current
        ? this.json(res, 200, current)
        : this.status(res, 404, 'NotFound', `secrets "${name}" not found`);
    }
    if (req.method === 'PUT') {
      const body = (await this.body(req)) as KubeObject;
      if (!current) return this.status(res, 404, 'NotFound', `secrets "${name}" not found`);
      if (body.metadata.resourceVersion !== current.metadata.resourceVersion) {
        return this.status(
          res,
          409,
          'Conflict',
          'the object has been modified; please apply your changes to the latest version',
        );
      }
      const stored = this.stamp({ ...body, metadata: { ...body.metadata, namespace: ns } });
      this.secrets.set(key, stored);
      return this.json(res, 200, stored);
    }
    this.status(res, 405, 'MethodNotAllowed', `${req.method} not supported on secrets by the fake`);
  }

  private async handleWebhookConfiguration(
    req: IncomingMessage,
    res: ServerResponse,
    name: string,
  ): Promise<void> {
    const current = this.webhookConfigurations.get(name);
    if (!current)
      return this.status(res, 404, 'NotFound', `mutatingwebhookconfigurations "${name}" not found`);
    if (req.method === 'GET') return this.json(res, 200, current);
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/json-patch+json') {
        return this.status(
          res,
          415,
          'UnsupportedMediaType',
          `the fake expects JSON Patch, got ${req.headers['content-type']}`,
        );
      }
      const ops = (await this.body(req)) as Operation[];
      let patched: KubeObject;
      try {
        patched = applyPatch(structuredClone(current), ops, true, false).newDocument;
      } catch (err) {
        return this.status(res, 422, 'Invalid', `patch failed: ${(err as Error).message}`);
      }
      this.webhookConfigurations.set(name, this.stamp(patched));
      return this.json(res, 200, patched);
    }
    this.status(
      res,
      405,
      'MethodNotAllowed',
      `${req.method} not supported on webhook configurations by the fake`,
    );
  }
}
