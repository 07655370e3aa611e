/** The webhook's Prometheus metrics, on a Registry of its own (no global state). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>;

export function createWebhookMetrics() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reviews: new Counter({
      name: 'imds_emulator_webhook_reviews_total',
      help: 'AdmissionReviews answered, by outcome (mutated, skipped, denied, invalid, or an HTTP-level rejection)',
      labelNames: ['outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'imds_emulator_webhook_review_duration_seconds',
      help: 'Time from the end of the request headers to the answer, by outcome',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    shed: new Counter({
      name: 'imds_emulator_webhook_shed_total',
      help:
        'Requests refused and connections dropped to bound memory, by reason (body-budget: 503 while request ' +
        'bodies in flight are at the budget; connections: a connection closed at the connection cap)',
      labelNames: ['reason'],
      registers,
    }),
    certExpiry: new Gauge({
      name: 'imds_emulator_webhook_certificate_expiration_timestamp_seconds',
      help: 'notAfter of the serving certificate in use, as a Unix timestamp',
      registers,
    }),
    certLoads: new Gauge({
      name: 'imds_emulator_webhook_certificate_loaded',
      help: '1 when a serving certificate is loaded and being served',
      registers,
    }),
    certReloads: new Counter({
      name: 'imds_emulator_webhook_certificate_reloads_total',
      help: 'Serving certificate (re)loads, by result (ok, or rejected when the new pair was invalid)',
      labelNames: ['result'],
      registers,
    }),
    namespaceCacheSynced: new Gauge({
      name: 'imds_emulator_webhook_namespace_cache_synced',
      help: '1 once the Namespace cache has listed from the API server (namespace policy), 0 before',
      registers,
    }),
    namespaceCacheSize: new Gauge({
      name: 'imds_emulator_webhook_namespace_cache_namespaces',
      help: 'Namespaces in the cache',
      registers,
    }),
    sidecarMode: new Gauge({
      name: 'imds_emulator_webhook_sidecar_mode',
      help: 'Sidecar mode in use (1 for the active mode) and how it was chosen',
      labelNames: ['mode', 'source'],
      registers,
    }),
  };
}
