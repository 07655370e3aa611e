/**
 * The Helm chart against the real helm binaries (Helm 3.17 and Helm 4.1, unpacked by `npm run tools`): lint, the
 * equivalence with `cdk8s synth` over the value matrix of scripts/chart/fixtures.ts, release isolation, the values
 * schema and Kubernetes API schemas.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartFiles } from '../../scripts/chart/files';
import { FIXTURES } from '../../scripts/chart/fixtures';
import { helmFullname, STANDARD_LABELS } from '../../scripts/chart/values';
import {
  CHART,
  cleanup,
  constructObjects,
  HELMS,
  type HelmName,
  helm,
  helmTemplate,
  modelValidator,
  normalize,
  type Obj,
  strictValidator,
  valuesFile,
} from './support';

const HELM_NAMES = Object.keys(HELMS) as HelmName[];
const RELEASE = 'imds-emulator';
const NAMESPACE = 'platform';
const rendered: Record<string, Record<HelmName, Obj[]>> = {};

beforeAll(async () => {
  for (const h of HELM_NAMES) {
    if (!existsSync(HELMS[h])) throw new Error(`${HELMS[h]} is missing: run "npm run tools"`);
  }
  await Promise.all(
    Object.entries(FIXTURES).flatMap(([name, values]) =>
      HELM_NAMES.map(async (h) => {
        rendered[name] ??= {} as Record<HelmName, Obj[]>;
        rendered[name][h] = await helmTemplate(h, RELEASE, NAMESPACE, values);
      }),
    ),
  );
});
afterAll(cleanup);

describe('chart files', () => {
  test('the committed chart is exactly what the generator writes', () => {
    for (const [name, text] of chartFiles()) expect(readFileSync(join(CHART, name), 'utf8')).toBe(text);
  });

  test('Chart.yaml: apiVersion v2 and a kubeVersion floor that admits provider suffixes', () => {
    const chart = readFileSync(join(CHART, 'Chart.yaml'), 'utf8');
    expect(chart).toMatch(/^apiVersion: v2$/m);
    expect(chart).toMatch(/^kubeVersion: ">=1.24.0-0"$/m);
  });
});

describe.each(HELM_NAMES)('%s', (h) => {
  test('helm lint --strict passes for every ci values file', async () => {
    const results = await Promise.all(
      Object.keys(FIXTURES).map((name) =>
        helm(h, ['lint', '--strict', CHART, '-f', join(CHART, 'ci', `${name}-values.yaml`)]),
      ),
    );
    for (const r of results) expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test.each(Object.keys(FIXTURES))(
    'helm template renders the same objects as cdk8s synth: %s values',
    (name) => {
      const fromHelm = normalize(rendered[name][h]);
      const fromConstruct = normalize(constructObjects(RELEASE, NAMESPACE, FIXTURES[name]));
      expect(Object.keys(fromHelm).sort()).toEqual(Object.keys(fromConstruct).sort());
      expect(fromHelm).toEqual(fromConstruct);
    },
  );

  test('values given with --set (integers, not floats) render the same objects as cdk8s synth', async () => {
    const values = {
      replicaCount: 3,
      webhook: { timeoutSeconds: 7 },
      sidecar: { sessionDuration: 43200, tokenExpiration: 86400 },
    };
    const flags = [
      'replicaCount=3',
      'webhook.timeoutSeconds=7',
      'sidecar.sessionDuration=43200',
      'sidecar.tokenExpiration=86400',
    ];
    const fromHelm = await helmTemplate(
      h,
      RELEASE,
      NAMESPACE,
      {},
      flags.flatMap((f) => ['--set', f]),
    );
    expect(normalize(fromHelm)).toEqual(normalize(constructObjects(RELEASE, NAMESPACE, values)));
  });

  test("a parent chart's global values are allowed (the chart can be a subchart)", async () => {
    const objects = await helmTemplate(h, RELEASE, NAMESPACE, {
      global: { imageRegistry: 'registry.example' },
    });
    expect(normalize(objects)).toEqual(normalize(constructObjects(RELEASE, NAMESPACE, {})));
  });

  test('kubeVersion: 1.24 and EKS-style versions render, 1.23 is refused', async () => {
    await expect(helmTemplate(h, 'r', 'ns', {}, ['--kube-version', 'v1.24.0'])).resolves.not.toHaveLength(0);
    await expect(
      helmTemplate(h, 'r', 'ns', {}, ['--kube-version', 'v1.30.1-eks-abc123']),
    ).resolves.not.toHaveLength(0);
    await expect(helmTemplate(h, 'r', 'ns', {}, ['--kube-version', 'v1.23.9'])).rejects.toThrow(
      /chart requires kubeVersion: >=1.24.0-0/,
    );
  });

  test.each([
    ['replicaCount', { replicaCount: 0 }],
    ['iamge', { iamge: { tag: '1' } }],
    ['tag', { image: { tag: 1.2 } }],
    ['failurePolicy', { webhook: { failurePolicy: 'Sometimes' } }],
    ['mode', { certificate: { mode: 'genCA' } }],
    ['region', { sidecar: { region: 'Europe' } }],
    ['excludedNamespaces', { webhook: { excludedNamespaces: ['Bad_NS'] } }],
    ['sessionDuration', { sidecar: { sessionDuration: 60 } }],
    ['stsCaBundle', { sidecar: { stsCaBundle: { configMap: 'a', secret: 'b' } } }],
    ['key', { sidecar: { stsCaBundle: { configMap: 'a', key: 'a/b' } } }],
    ['memory', { resources: { limits: { memory: '1e9' } } }],
    ['tolerations', { tolerations: { key: 'not-a-list' } }],
    // Helm 4 names the label but not the path.
    ['app.kubernetes.io/name', { podLabels: { 'app.kubernetes.io/name': 'other' } }],
  ])('a bad value fails at render time through the schema, naming %s', async (key, values) => {
    const failure = helm(h, ['template', 'r', CHART, '-f', valuesFile(values)]);
    await expect(failure).rejects.toThrow("values don't meet the specifications of the schema");
    await expect(failure).rejects.toThrow(key);
  });
});

describe('Helm 3 and Helm 4', () => {
  test.each(Object.keys(FIXTURES))('render the same objects: %s values', (name) => {
    expect(normalize(rendered[name].helm4)).toEqual(normalize(rendered[name].helm3));
  });

  test('NOTES.txt tells how to opt a pod in (Helm 4 dry-run, no cluster needed)', async () => {
    const { stdout } = await helm('helm4', ['install', 'r', CHART, '-n', 'ns', '--dry-run=client']);
    const notes = stdout.slice(stdout.indexOf('NOTES:'));
    expect(notes).toContain('gkemulticloud.googleapis.com/aws-imds-emulator-enabled: "True"');
    expect(notes).toContain('gkemulticloud.googleapis.com/aws-imds-emulator-role-arn:');
    expect(notes).toContain('Pods in ns, kube-system are never sent to the webhook.');
  });
});

describe('releases', () => {
  test('podLabels may not repeat a label the chart sets: STANDARD_LABELS lists every one of them', () => {
    const deployment = rendered.default.helm3.find((o) => o.kind === 'Deployment');
    expect(Object.keys(deployment.spec.template.metadata.labels).sort()).toEqual([...STANDARD_LABELS].sort());
  });

  test('every object carries the standard labels, Helm-only ones included', () => {
    for (const o of rendered.default.helm3) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'imds-emulator',
        'app.kubernetes.io/instance': 'imds-emulator',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'imds-emulator-0.1.0',
      });
    }
  });

  test('two releases of the same name in different namespaces share no object', async () => {
    const [a, b] = await Promise.all([
      helmTemplate('helm3', 'imds', 'team-a', {}),
      helmTemplate('helm3', 'imds', 'team-b', {}),
    ]);
    const keysA = Object.keys(normalize(a));
    const keysB = Object.keys(normalize(b));
    expect(keysA.filter((k) => keysB.includes(k))).toEqual([]);
    const clusterScoped = a.filter((o) => !o.metadata.namespace).map((o) => o.kind);
    expect(clusterScoped.sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'MutatingWebhookConfiguration',
    ]);
    for (const o of a) expect(o.metadata.namespace ?? 'cluster').toMatch(/^(team-a|cluster)$/);
    const webhookA = a.find((o) => o.kind === 'MutatingWebhookConfiguration');
    expect(webhookA.metadata.name).toBe('team-a-imds-imds-emulator');
    expect(webhookA.webhooks[0].clientConfig.service).toMatchObject({
      name: 'imds-imds-emulator',
      namespace: 'team-a',
    });
  });

  test.each([
    ['auto', ['namespaces', 'nodes', 'mutatingwebhookconfigurations']],
    ['native', ['namespaces', 'mutatingwebhookconfigurations']],
    ['classic', ['namespaces', 'mutatingwebhookconfigurations']],
  ])('sidecar.mode %s: the ClusterRole reads Nodes only in auto mode', async (mode, resources) => {
    const objects = await helmTemplate('helm3', 'imds', 'ns', { sidecar: { mode } });
    const role = objects.find((o) => o.kind === 'ClusterRole');
    expect(role.rules.flatMap((r: { resources: string[] }) => r.resources)).toEqual(resources);
  });

  test.each([
    ['imds-emulator', ''],
    ['prod-imds-emulator', ''],
    ['imds', ''],
    ['a-very-long-release-name-that-goes-past-the-limit-x', ''],
    ['whatever', 'custom'],
  ])('fullname of release %j (override %j) matches helmFullname()', async (release, fullnameOverride) => {
    const objects = await helmTemplate('helm4', release, 'ns', { fullnameOverride });
    const expected = helmFullname(release, fullnameOverride);
    expect(objects.find((o) => o.kind === 'Deployment').metadata.name).toBe(expected);
    expect(expected.length).toBeLessThanOrEqual(52);
  });
});

describe('Kubernetes API schemas', () => {
  // kubernetes-models 3.1.0 models Kubernetes 1.22 and 4.1.0 models 1.25 (1.24 lies between: no package ships its
  // schemas); 4.5.1 models 1.33. cert-manager and Prometheus Operator objects are CRDs, outside these schemas
  // (test/chart/monitoring.test.ts validates the latter).
  const versions: [string, () => (o: Obj) => string[]][] = [
    ['1.22, unknown fields rejected', () => strictValidator('kubernetes-models-k8s122')],
    ['1.25, unknown fields rejected', () => strictValidator('kubernetes-models-k8s125')],
    ['1.33', () => modelValidator('kubernetes-models')],
  ];
  test.each(versions)('every object of every fixture is valid against Kubernetes %s', (_, validator) => {
    const validate = validator();
    const errors: string[] = [];
    let checked = 0;
    for (const [name, byHelm] of Object.entries(rendered)) {
      for (const o of byHelm.helm3) {
        if (o.apiVersion.startsWith('cert-manager.io/') || o.apiVersion.startsWith('monitoring.coreos.com/'))
          continue;
        checked++;
        for (const e of validate(o)) errors.push(`${name} ${o.kind}/${o.metadata.name}: ${e}`);
      }
    }
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  test('the strict validator rejects an unknown field and a wrong type', () => {
    const validate = strictValidator('kubernetes-models-k8s122');
    const deployment = structuredClone(rendered.default.helm3.find((o) => o.kind === 'Deployment'));
    expect(validate(deployment)).toEqual([]);
    deployment.spec.template.spec.containers[0].restartPolicy = 'Always';
    deployment.spec.replicas = 'two';
    const errors = validate(deployment).join('\n');
    expect(errors).toContain('must NOT have additional properties');
    expect(errors).toContain('restartPolicy');
    expect(errors).toContain('/spec/replicas must be integer');
    expect(modelValidator('kubernetes-models')(deployment).join('\n')).toContain('replicas must be integer');
  });
});
