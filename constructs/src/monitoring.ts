/**
 * The Prometheus Operator objects of an install: a ServiceMonitor for the webhook, a PodMonitor for every injected
 * sidecar and a PrometheusRule with the alerts of docs/metrics.md. Plain ApiObjects (monitoring.coreos.com/v1); the
 * metric and port names come from the contract, which the code registers its metrics under.
 */
import {
  ENABLED_LABEL,
  ENABLED_VALUE,
  SIDECAR_CONTAINER,
  SIDECAR_METRICS,
  SIDECAR_METRICS_PORT,
  WEBHOOK_METRICS,
  WEBHOOK_METRICS_PORT,
} from '@imds-emulator/contract';
import { ApiObject } from 'cdk8s';
import type { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

const API_VERSION = 'monitoring.coreos.com/v1';
const METRICS_PATH = '/metrics';
const RUNBOOK = 'https://github.com/imds-emulator/imds-emulator/blob/main/docs/metrics.md';

/** What the monitoring objects need to know about the install. */
export interface MonitoringTarget {
  /** Metadata of each object (the install's name, namespace, labels and annotations). */
  readonly metadata: k8s.ObjectMeta;
  /** Labels of the webhook's Service (and pods). */
  readonly selectorLabels: { [key: string]: string };
}

/** ServiceMonitor of the webhook Service's metrics port. Its scrape job is the Service's name. */
export function serviceMonitor(scope: Construct, target: MonitoringTarget): ApiObject {
  return new ApiObject(scope, 'ServiceMonitor', {
    apiVersion: API_VERSION,
    kind: 'ServiceMonitor',
    metadata: target.metadata,
    spec: {
      selector: { matchLabels: { ...target.selectorLabels } },
      namespaceSelector: { matchNames: [target.metadata.namespace] },
      endpoints: [{ port: WEBHOOK_METRICS_PORT, path: METRICS_PATH, scheme: 'http' }],
    },
  });
}

/**
 * PodMonitor of every opted-in pod's sidecar, in every namespace. Native sidecars are init containers: Prometheus's
 * pod discovery lists init containers' ports since 2.11, and the operator keeps them (it selects by port name only).
 * The keep on the container name ignores an app port that happens to share the name.
 */
export function podMonitor(scope: Construct, target: MonitoringTarget): ApiObject {
  return new ApiObject(scope, 'PodMonitor', {
    apiVersion: API_VERSION,
    kind: 'PodMonitor',
    metadata: target.metadata,
    spec: {
      selector: { matchLabels: { [ENABLED_LABEL]: ENABLED_VALUE } },
      namespaceSelector: { any: true },
      podMetricsEndpoints: [
        {
          port: SIDECAR_METRICS_PORT,
          path: METRICS_PATH,
          scheme: 'http',
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_container_name'],
              regex: SIDECAR_CONTAINER,
              action: 'keep',
            },
          ],
        },
      ],
    },
  });
}

/**
 * One alerting rule; `summary` and `description` are plain text: Prometheus templates (`{{ $labels.pod }}`) would be
 * read by Helm in the chart. The runbook is the alert's section of docs/metrics.md.
 */
interface Alert {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold; none: at once. */
  readonly for?: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
  readonly description: string;
}

/** Served credentials left when the alert fires: healthy renewals never hold a document this close for 5 minutes. */
const CREDENTIALS_ALERT_SECONDS = 10 * 60;
/** Serving certificate validity left: both certificate modes renew with a third of the lifetime left (months). */
const CERTIFICATE_ALERT_DAYS = 7;

/**
 * The alerts. The webhook's are scoped to its scrape job (the ServiceMonitor's: the Service name) and namespace;
 * the sidecars' to nothing, as every sidecar metric name is the emulator's own.
 */
export function alerts(job: string, namespace: string): Alert[] {
  const webhook = `job='${job}',namespace='${namespace}'`;
  return [
    {
      alert: 'ImdsEmulatorWebhookDown',
      expr: `absent(up{${webhook}} == 1)`,
      for: '5m',
      severity: 'critical',
      summary: 'No imds-emulator webhook replica is being scraped.',
      description:
        'Prometheus reaches no webhook replica. With failurePolicy Fail, opted-in pods cannot be created.',
    },
    {
      alert: 'ImdsEmulatorWebhookNotReady',
      expr: `${WEBHOOK_METRICS.ready}{${webhook}} == 0`,
      for: '10m',
      severity: 'warning',
      summary: 'An imds-emulator webhook replica is not ready.',
      description:
        'A replica answers but cannot admit pods: no serving certificate loaded, or the namespace cache has not synced.',
    },
    {
      alert: 'ImdsEmulatorWebhookErrors',
      expr: `sum by (namespace, outcome) (increase(${WEBHOOK_METRICS.reviews}{${webhook},outcome!~'mutated|skipped|denied'}[10m])) > 0`,
      for: '5m',
      severity: 'warning',
      summary: 'The imds-emulator webhook fails admission requests.',
      description:
        'Reviews ended in an error (invalid, malformed, too-large, over-budget or an internal error): pods may be created without the emulator or not at all.',
    },
    {
      alert: 'ImdsEmulatorWebhookDenials',
      expr: `sum by (namespace) (increase(${WEBHOOK_METRICS.reviews}{${webhook},outcome='denied'}[15m])) > 0`,
      severity: 'info',
      summary: 'The imds-emulator webhook refused pods.',
      description:
        'Opted-in pods were refused (role not allowed in the namespace, Pod Security, a Job in classic mode); the webhook log says why.',
    },
    {
      alert: 'ImdsEmulatorWebhookCertificateExpiring',
      expr: `(${WEBHOOK_METRICS.certificateExpiry}{${webhook}} > 0) - time() < ${CERTIFICATE_ALERT_DAYS} * 86400`,
      for: '1h',
      severity: 'warning',
      summary: `The imds-emulator webhook's serving certificate expires within ${CERTIFICATE_ALERT_DAYS} days.`,
      description: 'Certificate rotation is stuck; once it expires the API server cannot call the webhook.',
    },
    {
      alert: 'ImdsEmulatorCredentialsExpiring',
      expr: `${SIDECAR_METRICS.credentialsExpiry} < ${CREDENTIALS_ALERT_SECONDS}`,
      for: '5m',
      severity: 'critical',
      summary: `A sidecar holds credentials that expire within ${CREDENTIALS_ALERT_SECONDS / 60} minutes, or none.`,
      description: 'Renewals from STS keep failing: the pod will get 503 from IMDS when they expire.',
    },
    {
      alert: 'ImdsEmulatorStsErrors',
      expr: `sum by (namespace, pod, code) (rate(${SIDECAR_METRICS.stsErrors}[5m])) > 0`,
      for: '10m',
      severity: 'warning',
      summary: 'A sidecar keeps failing to get credentials from STS.',
      description: 'AssumeRoleWithWebIdentity has failed for 10 minutes; the code label names the error.',
    },
  ];
}

/** PrometheusRule with {@link alerts}. */
export function prometheusRule(scope: Construct, target: MonitoringTarget, job: string): ApiObject {
  const namespace = target.metadata.namespace!;
  return new ApiObject(scope, 'PrometheusRule', {
    apiVersion: API_VERSION,
    kind: 'PrometheusRule',
    metadata: target.metadata,
    spec: {
      groups: [
        {
          name: 'imds-emulator',
          rules: alerts(job, namespace).map((a) => ({
            alert: a.alert,
            expr: a.expr,
            for: a.for,
            labels: { severity: a.severity },
            annotations: {
              summary: a.summary,
              description: a.description,
              runbook_url: `${RUNBOOK}#${a.alert.toLowerCase()}`,
            },
          })),
        },
      ],
    },
  });
}
