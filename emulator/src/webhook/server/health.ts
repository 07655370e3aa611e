/** The plain-HTTP health server: /healthz (the process answers), /readyz (able to admit pods), /metrics. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  /** Empty when ready; otherwise what is still missing, shown in the /readyz body. */
  notReady(): string[];
}

export function createHealthServer(registry: Registry, readiness: Readiness): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'use GET\n');
    if (path === '/healthz') return text(200, 'ok\n');
    if (path === '/readyz') {
      const missing = readiness.notReady();
      return missing.length === 0 ? text(200, 'ok\n') : text(503, `not ready: ${missing.join('; ')}\n`);
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => text(200, body, registry.contentType),
        (err: Error) => text(500, `metrics failed: ${err.message}\n`),
      );
      return;
    }
    text(404, 'not found: try /healthz, /readyz or /metrics\n');
  });
}
