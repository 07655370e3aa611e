/** The webhook's Prometheus metrics, on a Registry of its own (no global state). */
import { WEBHOOK_METRICS } from '@imds-emulator/contract';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;

/** `notReady` lists what /readyz reports missing (empty when ready); read at each scrape. */
export function createWebhookMetrics(notReady: () => readonly string[]) {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reviews: new Counter({
      name: WEBHOOK_METRICS.reviews,
      help: 'AdmissionReviews answered, by outcome (mutated, skipped, denied, invalid, or an HTTP-level rejection)',
      labelNames: ['outcome'],
      registers,
    }),
    duration: new Histogram({
      name: WEBHOOK_METRICS.reviewDuration,
      help: 'Time from the end of the request headers to the answer, by outcome',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    shed: new Counter({
      name: WEBHOOK_METRICS.shed,
      help:
        'Requests refused and connections dropped to bound memory, by reason (body-budget: 503 while request ' +
        'bodies in flight are at the budget; connections: a connection closed at the connection cap)',
      labelNames: ['reason'],
      registers,
    }),
    ready: new Gauge({
      name: WEBHOOK_METRICS.ready,
      help: '1 when /readyz answers 200 (able to admit pods), else 0',
      registers,
      collect() {
        this.set(notReady().length === 0 ? 1 : 0);
      },
    }),
    certExpiry: new Gauge({
      name: WEBHOOK_METRICS.certificateExpiry,
      help: 'notAfter of the serving certificate in use, as a Unix timestamp',
      registers,
    }),
    certLoads: new Gauge({
      name: WEBHOOK_METRICS.certificateLoaded,
      help: '1 when a serving certificate is loaded and being served',
      registers,
    }),
    certReloads: new Counter({
      name: WEBHOOK_METRICS.certificateReloads,
      help: 'Serving certificate (re)loads, by result (ok, or rejected when the new pair was invalid)',
      labelNames: ['result'],
      registers,
    }),
    namespaceCacheSynced: new Gauge({
      name: WEBHOOK_METRICS.namespaceCacheSynced,
      help: '1 once the Namespace cache has listed from the API server (namespace policy), 0 before',
      registers,
    }),
    namespaceCacheSize: new Gauge({
      name: WEBHOOK_METRICS.namespaceCacheSize,
      help: 'Namespaces in the cache',
      registers,
    }),
    sidecarMode: new Gauge({
      name: WEBHOOK_METRICS.sidecarMode,
      help: 'Sidecar mode in use (1 for the active mode) and how it was chosen',
      labelNames: ['mode', 'source'],
      registers,
    }),
  };
}
