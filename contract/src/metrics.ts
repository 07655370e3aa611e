/**
 * Names Prometheus relies on: the metrics the webhook and the sidecar export, and the named ports they are scraped
 * on. The code registers its metrics under these names and the constructs' alert rules and dashboards query them, so
 * a rename here renames both; a test checks every name an alert uses against the real registries.
 */

/** Metrics of each sidecar (emulator/src/sidecar/metrics.ts). */
export const SIDECAR_METRICS = {
  imdsRequests: 'imds_emulator_imds_requests_total',
  stsCalls: 'imds_emulator_sts_calls_total',
  stsErrors: 'imds_emulator_sts_errors_total',
  credentialsExpiry: 'imds_emulator_credentials_expiry_seconds',
  connectionsShed: 'imds_emulator_connections_shed_total',
  connectionsOpen: 'imds_emulator_connections_open',
} as const;

/** Metrics of the webhook (emulator/src/webhook/server/metrics.ts). */
export const WEBHOOK_METRICS = {
  reviews: 'imds_emulator_webhook_reviews_total',
  reviewDuration: 'imds_emulator_webhook_review_duration_seconds',
  shed: 'imds_emulator_webhook_shed_total',
  ready: 'imds_emulator_webhook_ready',
  certificateExpiry: 'imds_emulator_webhook_certificate_expiration_timestamp_seconds',
  certificateLoaded: 'imds_emulator_webhook_certificate_loaded',
  certificateReloads: 'imds_emulator_webhook_certificate_reloads_total',
  namespaceCacheSynced: 'imds_emulator_webhook_namespace_cache_synced',
  namespaceCacheSize: 'imds_emulator_webhook_namespace_cache_namespaces',
  sidecarMode: 'imds_emulator_webhook_sidecar_mode',
} as const;

/** Name of the injected sidecar container (the PodMonitor keeps only its targets). */
export const SIDECAR_CONTAINER = 'imds-emulator';
/**
 * Name of the sidecar's health/metrics containerPort, which the PodMonitor selects. Distinctive, because every
 * opted-in pod gets it next to the app's own ports (at most 15 characters, an IANA_SVC_NAME).
 */
export const SIDECAR_METRICS_PORT = 'imds-metrics';
/** Name of the webhook Service's metrics port, which the ServiceMonitor selects. */
export const WEBHOOK_METRICS_PORT = 'metrics';
