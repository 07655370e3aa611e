/**
 * The Prometheus Operator objects (metrics.* values, metrics* props): valid against the prometheus-operator CRD models
 * as rendered by the real helm and by cdk8s, pointed at what the webhook and the injected sidecar really expose, and
 * alerting only on metrics the code really registers.
 */
import { ENABLED_LABEL, ENABLED_VALUE } from '@imds-emulator/contract';
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parser } from '@prometheus-io/lezer-promql';
import { createMetrics } from '../../emulator/src/sidecar/metrics';
import { createWebhookMetrics } from '../../emulator/src/webhook/server/metrics';
import { FIXTURES } from '../../scripts/chart/fixtures';
import { container, podWith, run } from '../webhook/admission/support';
import { cleanup, constructObjects, helmTemplate, type Obj } from './support';

const MONITORING = FIXTURES.monitoring;
const MODELS: Record<string, new (o: Obj) => { validate(): void }> = {
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
};
const KINDS = Object.keys(MODELS).sort();
/** Prometheus's own per-target series, not the code's. */
const PROMETHEUS_SERIES = ['up'];

const byKind = (objects: Obj[], kind: string) => objects.find((o) => o.kind === kind);
let fromHelm: Obj[];
let fromConstruct: Obj[];

beforeAll(async () => {
  fromHelm = await helmTemplate('helm3', 'imds-emulator', 'platform', MONITORING);
  fromConstruct = constructObjects('imds-emulator', 'platform', MONITORING);
});
afterAll(cleanup);

/** Every metric name a Prometheus scrape of these registries can return (histograms as their three series). */
async function exported(): Promise<Set<string>> {
  const registries = [
    createMetrics(
      () => undefined,
      () => 0,
    ).registry,
    createWebhookMetrics(() => []).registry,
  ];
  const names = new Set<string>();
  for (const registry of registries) {
    for (const m of await registry.getMetricsAsJSON()) {
      const series =
        String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name];
      for (const s of series) names.add(s);
    }
  }
  return names;
}

/** Metric names of a PromQL expression's vector selectors, by the Prometheus project's own PromQL grammar. */
function selectedMetrics(expr: string): string[] {
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from} in ${expr}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  expect(errors).toEqual([]);
  return names;
}

describe.each([
  ['helm template', () => fromHelm],
  ['cdk8s synth', () => fromConstruct],
])('%s with every metrics value on', (_, objects) => {
  test('renders a ServiceMonitor, a PodMonitor and a PrometheusRule, each valid against its CRD model', () => {
    const monitoring = objects().filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');
    expect(monitoring.map((o) => o.kind).sort()).toEqual(KINDS);
    for (const o of monitoring) expect(() => new MODELS[o.kind](o).validate()).not.toThrow();
  });

  test('the additional labels are on each of them', () => {
    for (const kind of KINDS)
      expect(byKind(objects(), kind).metadata.labels.release).toBe('kube-prometheus-stack');
  });

  test("the ServiceMonitor selects the webhook Service's metrics port, which targets the webhook's health port", () => {
    const service = byKind(objects(), 'Service');
    const monitor = byKind(objects(), 'ServiceMonitor');
    const deployment = byKind(objects(), 'Deployment');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([service.metadata.namespace]);
    const port = service.spec.ports.find((p: Obj) => p.name === monitor.spec.endpoints[0].port);
    const [webhook] = deployment.spec.template.spec.containers;
    const target = webhook.ports.find((p: Obj) => p.name === port.targetPort);
    expect(target.containerPort).toBe(port.port);
    // The port the probes ask for /healthz is the one serving /metrics (emulator/src/webhook/server/health.ts).
    expect(webhook.livenessProbe.httpGet.port).toBe(target.containerPort);
  });

  test("the PodMonitor selects an injected pod's sidecar port, in every namespace", () => {
    const monitor = byKind(objects(), 'PodMonitor');
    expect(monitor.spec.namespaceSelector).toEqual({ any: true });
    expect(monitor.spec.selector.matchLabels).toEqual({ [ENABLED_LABEL]: ENABLED_VALUE });
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    const [keep] = endpoint.relabelings;
    expect(keep).toMatchObject({ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'] });
    for (const mode of ['native', 'classic'] as const) {
      const pod = podWith();
      const { patched } = run(pod, { mode });
      expect(patched.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
      const sidecar = container(patched, keep.regex);
      expect(sidecar.ports.find((p: Obj) => p.name === endpoint.port).containerPort).toBe(
        sidecar.readinessProbe.httpGet.port,
      );
    }
  });
});

describe('off by default', () => {
  test.each([
    ['helm template', () => helmTemplate('helm3', 'imds-emulator', 'platform', {})],
    ['cdk8s synth', async () => constructObjects('imds-emulator', 'platform', {})],
  ])('%s: no monitoring object and no metrics port on the Service', async (_, render) => {
    const objects = await render();
    expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toEqual([]);
    expect(byKind(objects, 'Service').spec.ports.map((p: Obj) => p.name)).toEqual(['https']);
  });
});

describe('the CRD models', () => {
  test('reject a malformed object (the validation above can fail)', () => {
    const monitor = structuredClone(byKind(fromConstruct, 'PodMonitor'));
    monitor.spec.podMetricsEndpoints = 'imds-metrics';
    expect(() => new PodMonitor(monitor).validate()).toThrow(/podMetricsEndpoints/);
    const rule = structuredClone(byKind(fromConstruct, 'PrometheusRule'));
    delete rule.spec.groups[0].rules[0].expr;
    expect(() => new PrometheusRule(rule).validate()).toThrow(/expr/);
  });
});

describe('alerts', () => {
  const rules = () =>
    byKind(fromConstruct, 'PrometheusRule').spec.groups.flatMap((g: Obj) => g.rules) as Obj[];

  test('every metric an alert selects is exported by the sidecar or the webhook (or is Prometheus up)', async () => {
    const known = await exported();
    const missing: string[] = [];
    const used = new Set<string>();
    for (const rule of rules()) {
      for (const name of selectedMetrics(rule.expr)) {
        used.add(name);
        if (!known.has(name) && !PROMETHEUS_SERIES.includes(name)) missing.push(`${rule.alert}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(6);
  });

  test("the issue's alerts are there, the webhook's scoped to its ServiceMonitor job and namespace", () => {
    const names = rules().map((r) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'ImdsEmulatorCredentialsExpiring',
        'ImdsEmulatorStsErrors',
        'ImdsEmulatorWebhookDenials',
        'ImdsEmulatorWebhookErrors',
        'ImdsEmulatorWebhookNotReady',
        'ImdsEmulatorWebhookDown',
        'ImdsEmulatorWebhookCertificateExpiring',
      ]),
    );
    // Prometheus Operator names a ServiceMonitor's scrape job after the Service.
    const job = byKind(fromConstruct, 'Service').metadata.name;
    for (const rule of rules().filter((r) => r.alert.startsWith('ImdsEmulatorWebhook'))) {
      expect(rule.expr).toContain(`job='${job}',namespace='platform'`);
    }
  });

  test('the helm rendering has the same expressions, with the release name and namespace filled in', () => {
    const helmRules = byKind(fromHelm, 'PrometheusRule').spec.groups[0].rules;
    expect(helmRules).toEqual(rules());
  });

  test('the metric name test fails on a name no registry exports', async () => {
    const known = await exported();
    const names = selectedMetrics("sum(rate(imds_emulator_sts_failures_total{code='x'}[5m])) > 0");
    expect(names).toEqual(['imds_emulator_sts_failures_total']);
    expect(known.has(names[0])).toBe(false);
  });
});

describe('Grafana dashboard', () => {
  const dashboard = (objects: Obj[]) => {
    const configMap = byKind(objects, 'ConfigMap');
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    const text: string = configMap.data['imds-emulator.json'];
    // Helm would read a {{ in the chart's copy as a template action.
    expect(text).not.toContain('{{');
    return JSON.parse(text);
  };

  test('helm template and cdk8s synth render the same dashboard', () => {
    expect(dashboard(fromHelm)).toEqual(dashboard(fromConstruct));
  });

  test('every panel query parses and selects only exported metrics', async () => {
    const known = await exported();
    const { panels } = dashboard(fromConstruct);
    const exprs: string[] = panels.flatMap((p: Obj) => p.targets.map((t: Obj) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const missing = exprs.flatMap((e) =>
      selectedMetrics(e)
        .filter((n) => !known.has(n))
        .map((n) => `${e}: ${n}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('imds_emulator_webhook_ready', () => {
  test('follows what /readyz reports missing, at each scrape', async () => {
    const missing: string[] = ['no serving certificate loaded yet'];
    const { registry } = createWebhookMetrics(() => missing);
    expect(await registry.getSingleMetricAsString('imds_emulator_webhook_ready')).toMatch(
      /^imds_emulator_webhook_ready 0$/m,
    );
    missing.length = 0;
    expect(await registry.getSingleMetricAsString('imds_emulator_webhook_ready')).toMatch(
      /^imds_emulator_webhook_ready 1$/m,
    );
  });
});
