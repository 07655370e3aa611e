/**
 * A Grafana dashboard of the webhook's and the sidecars' metrics, in a ConfigMap that Grafana's dashboard sidecar
 * (kube-prometheus-stack, the Grafana chart) loads by its `grafana_dashboard` label. Queries use the contract's metric
 * names; no legend template (`{{label}}` would be read by Helm in the chart): Grafana's automatic legend names series.
 */
import { SIDECAR_METRICS as S, WEBHOOK_METRICS as W } from '@imds-emulator/contract';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** The label and value Grafana's dashboard sidecar looks for. */
export const DASHBOARD_LABEL = 'grafana_dashboard';
/** File name of the dashboard in the ConfigMap. */
export const DASHBOARD_FILE = 'imds-emulator.json';

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly unit: string;
}

const rate = (metric: string, by = '') => `sum${by ? ` by (${by})` : ''} (rate(${metric}[5m]))`;

const PANELS: Panel[] = [
  { title: 'Webhook: reviews by outcome', expr: rate(W.reviews, 'outcome'), unit: 'reqps' },
  {
    title: 'Webhook: review latency, 99th percentile',
    expr: `histogram_quantile(0.99, ${rate(`${W.reviewDuration}_bucket`, 'le')})`,
    unit: 's',
  },
  { title: 'Webhook: ready replicas', expr: `sum(${W.ready})`, unit: 'short' },
  {
    title: 'Webhook: serving certificate valid for',
    expr: `min(${W.certificateExpiry} > 0) - time()`,
    unit: 's',
  },
  { title: 'Webhook: requests shed', expr: rate(W.shed, 'reason'), unit: 'reqps' },
  { title: 'Sidecars: with credentials', expr: `count(${S.credentialsExpiry} > 0)`, unit: 'short' },
  {
    title: 'Sidecars: shortest credential validity by namespace',
    expr: `min by (namespace) (${S.credentialsExpiry})`,
    unit: 's',
  },
  { title: 'Sidecars: STS calls', expr: rate(S.stsCalls), unit: 'reqps' },
  { title: 'Sidecars: STS errors by code', expr: rate(S.stsErrors, 'code'), unit: 'reqps' },
  { title: 'Sidecars: IMDS requests by status', expr: rate(S.imdsRequests, 'status'), unit: 'reqps' },
  { title: 'Sidecars: connections shed', expr: rate(S.connectionsShed, 'reason'), unit: 'reqps' },
];

/** The dashboard's JSON model: two columns of time series over a Prometheus data source chosen in the dashboard. */
export function dashboardModel(): Record<string, unknown> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, resolved by Grafana.
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  return {
    title: 'IMDS emulator',
    uid: 'imds-emulator',
    schemaVersion: 39,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' }],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      datasource,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: [{ refId: 'A', datasource, expr: p.expr, legendFormat: '__auto' }],
    })),
  };
}

/** The ConfigMap holding {@link dashboardModel}. */
export function dashboardConfigMap(scope: Construct, metadata: k8s.ObjectMeta): k8s.KubeConfigMap {
  return new k8s.KubeConfigMap(scope, 'GrafanaDashboard', {
    metadata: { ...metadata, labels: { ...metadata.labels, [DASHBOARD_LABEL]: '1' } },
    data: { [DASHBOARD_FILE]: JSON.stringify(dashboardModel()) },
  });
}
