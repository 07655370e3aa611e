import { ApiObject, Chart, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { ConfigMap, Cpu, ImagePullPolicy, Secret } from 'cdk8s-plus-27';
import {
  CertificateMode,
  ClassicJobPods,
  FailurePolicy,
  HttpTokens,
  ImdsEmulator,
  type ImdsEmulatorProps,
  LogLevel,
  SidecarMode,
  StsCaBundle,
  WebhookCertificate,
} from '../../constructs/src';

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON.
type Obj = any;

function synth(props: ImdsEmulatorProps = {}): { emulator: ImdsEmulator; objects: Obj[] } {
  const chart = Testing.chart();
  const emulator = new ImdsEmulator(chart, 'imds', props);
  return { emulator, objects: Testing.synth(chart) };
}

const find = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const kinds = (objects: Obj[]) => objects.map((o) => o.kind).sort();
const webhook = (objects: Obj[]) => find(objects, 'MutatingWebhookConfiguration').webhooks[0];
const container = (objects: Obj[]) => find(objects, 'Deployment').spec.template.spec.containers[0];
const args = (objects: Obj[]) => container(objects).args as string[];

describe('ImdsEmulator snapshots', () => {
  test('default props (self-managed certificate)', () => {
    expect(synth().objects).toMatchSnapshot();
  });

  test('cert-manager with its own self-signed issuer', () => {
    expect(synth({ certificate: WebhookCertificate.certManager() }).objects).toMatchSnapshot();
  });

  test('cert-manager with the user issuer', () => {
    const certificate = WebhookCertificate.certManager({
      issuer: { name: 'corp-ca', kind: 'ClusterIssuer' },
    });
    expect(synth({ certificate }).objects).toMatchSnapshot();
  });

  test('synthesis is deterministic byte for byte', () => {
    const yamlOf = () => {
      const app = Testing.app();
      new ImdsEmulator(new Chart(app, 'chart'), 'imds', { certificate: WebhookCertificate.certManager() });
      return app.synthYaml();
    };
    expect(yamlOf()).toBe(yamlOf());
  });
});

describe('ImdsEmulator defaults', () => {
  test('resolves every default once into public fields', () => {
    const { emulator } = synth();
    expect(emulator.name).toBe('imds-emulator');
    expect(emulator.namespace).toBe('imds-emulator');
    expect(emulator.clusterScopedName).toBe('imds-emulator-imds-emulator');
    expect(emulator.image).toBe('ghcr.io/imds-emulator/imds-emulator:0.1.0');
    expect(emulator.imagePullPolicy).toBe(ImagePullPolicy.IF_NOT_PRESENT);
    expect(emulator.replicas).toBe(2);
    expect(emulator.failurePolicy).toBe(FailurePolicy.FAIL);
    expect(emulator.timeout.toSeconds()).toBe(5);
    expect(emulator.logLevel).toBe(LogLevel.INFO);
    expect(emulator.namespacePolicy).toBe(true);
    expect(emulator.excludedNamespaces).toEqual(['imds-emulator', 'kube-system']);
    expect(emulator.certificate.mode).toBe(CertificateMode.SELF_MANAGED);
    expect(emulator.certificateSecretName).toBe('imds-emulator-tls');
    expect(emulator.sidecarRegion).toBe('us-east-1');
    expect(emulator.sidecarHttpTokens).toBe(HttpTokens.OPTIONAL);
    expect(emulator.sidecarSessionDuration.toSeconds()).toBe(3600);
    expect(emulator.sidecarTokenAudience).toBe('sts.amazonaws.com');
    expect(emulator.sidecarTokenExpiration.toSeconds()).toBe(3600);
    expect(emulator.sidecarMode).toBe(SidecarMode.AUTO);
    expect(emulator.classicJobPods).toBe(ClassicJobPods.DENY);
    expect(emulator.sidecarServeRegion).toBe(false);
    expect([emulator.sidecarPort, emulator.sidecarHealthPort]).toEqual([16925, 16926]);
    expect(container(synth().objects).resources).toEqual({
      requests: { cpu: '50m', memory: '224Mi' },
      limits: { cpu: '500m', memory: '384Mi' },
    });
  });

  test('self-managed: webhook flags, no Secret, no caBundle, no cert-manager objects', () => {
    const { objects } = synth();
    expect(kinds(objects)).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'MutatingWebhookConfiguration',
      'PodDisruptionBudget',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    expect(args(objects)).toEqual(
      expect.arrayContaining([
        'webhook',
        '--cert-mode=self-managed',
        '--cert-secret=imds-emulator-tls',
        '--webhook-configuration=imds-emulator-imds-emulator',
        '--service-name=imds-emulator',
      ]),
    );
    expect(webhook(objects).clientConfig.caBundle).toBeUndefined();
    expect(find(objects, 'MutatingWebhookConfiguration').metadata.annotations).toBeUndefined();
    expect(container(objects).volumeMounts).toBeUndefined();
  });

  test('webhook configuration is fail-closed, opt-in, short and reinvoked', () => {
    const w = webhook(synth().objects);
    expect(w).toMatchObject({
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      clientConfig: {
        service: { name: 'imds-emulator', namespace: 'imds-emulator', path: '/mutate', port: 443 },
      },
      objectSelector: {
        matchExpressions: [
          { key: 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled', operator: 'Exists' },
        ],
      },
      namespaceSelector: {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['imds-emulator', 'kube-system'] },
        ],
      },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
    });
  });

  test('RBAC is exactly what DEVELOPERS.md lists, name-restricted where possible', () => {
    const { objects } = synth();
    expect(find(objects, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        resourceNames: ['imds-emulator-imds-emulator'],
        verbs: ['get', 'patch'],
      },
    ]);
    expect(find(objects, 'Role').rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['imds-emulator-tls'],
        verbs: ['get', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    const subject = { kind: 'ServiceAccount', name: 'imds-emulator', namespace: 'imds-emulator' };
    expect(find(objects, 'RoleBinding')).toMatchObject({ roleRef: { kind: 'Role', name: 'imds-emulator' } });
    expect(find(objects, 'RoleBinding').subjects).toEqual([subject]);
    expect(find(objects, 'ClusterRoleBinding')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'imds-emulator-imds-emulator' },
      subjects: [subject],
    });
  });

  test('deployment is hardened, probed, spread and talks to the API server', () => {
    const { objects } = synth();
    const deployment = find(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('imds-emulator');
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    const c = pod.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 8081, scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 8081, scheme: 'HTTP' });
    expect(c.ports.map((p: Obj) => p.containerPort)).toEqual([8443, 8081]);
    expect(c.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(c.resources).toEqual({
      requests: { cpu: '50m', memory: '224Mi' },
      limits: { cpu: '500m', memory: '384Mi' },
    });
    expect(find(objects, 'PodDisruptionBudget').spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: deployment.spec.selector.matchLabels },
    });
    const service = find(objects, 'Service');
    expect(service.spec.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('selector labels are only name and instance; extra labels reach every object and the pods', () => {
    const { objects } = synth({ metadata: { labels: { team: 'platform' } } });
    expect(find(objects, 'Deployment').spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/instance': 'imds-emulator',
      'app.kubernetes.io/name': 'imds-emulator',
    });
    for (const o of objects) expect(o.metadata.labels.team).toBe('platform');
    expect(find(objects, 'Deployment').spec.template.metadata.labels.team).toBe('platform');
  });

  test('the MutatingWebhookConfiguration is the escape hatch', () => {
    const chart = Testing.chart();
    const emulator = new ImdsEmulator(chart, 'imds');
    ApiObject.of(emulator).addJsonPatch(
      JsonPatch.add('/webhooks/0/matchConditions', [{ name: 'x', expression: 'true' }]),
    );
    expect(webhook(Testing.synth(chart)).matchConditions).toEqual([{ name: 'x', expression: 'true' }]);
  });

  test('the Deployment, Service and MutatingWebhookConfiguration are public members', () => {
    const chart = Testing.chart();
    const emulator = new ImdsEmulator(chart, 'imds');
    emulator.deployment.addJsonPatch(JsonPatch.add('/spec/minReadySeconds', 10));
    emulator.service.addJsonPatch(JsonPatch.add('/spec/ipFamilyPolicy', 'PreferDualStack'));
    const objects = Testing.synth(chart);
    expect(find(objects, 'Deployment').spec.minReadySeconds).toBe(10);
    expect(find(objects, 'Service').spec.ipFamilyPolicy).toBe('PreferDualStack');
    expect(emulator.webhookConfiguration).toBe(ApiObject.of(emulator));
  });
});

describe('ImdsEmulator props', () => {
  test('name and namespace name every object; cluster-scoped ones carry the namespace', () => {
    const { objects } = synth({ metadata: { name: 'imds', namespace: 'platform' } });
    for (const o of objects) {
      const clusterScoped = ['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration'].includes(
        o.kind,
      );
      expect(o.metadata.name).toBe(clusterScoped ? 'platform-imds' : 'imds');
      expect(o.metadata.namespace).toBe(clusterScoped ? undefined : 'platform');
    }
    expect(webhook(objects).namespaceSelector.matchExpressions[0].values).toEqual([
      'platform',
      'kube-system',
    ]);
    expect(webhook(objects).clientConfig.service).toMatchObject({ name: 'imds', namespace: 'platform' });
  });

  test('two installs in different namespaces share no object name of the same kind and scope', () => {
    const a = synth({ metadata: { namespace: 'team-a' } }).objects;
    const b = synth({ metadata: { namespace: 'team-b' } }).objects;
    const ids = (objs: Obj[]) =>
      objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    const overlap = ids(a).filter((id) => ids(b).includes(id));
    expect(overlap).toEqual([]);
  });

  test('image repository, tag, digest and pull policy reach the container and the injected containers', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const { objects, emulator } = synth({
      imageRepository: 'registry.local:5000/imds',
      imageTag: '2.0.0',
      imageDigest: digest,
      imagePullPolicy: ImagePullPolicy.ALWAYS,
    });
    const image = `registry.local:5000/imds:2.0.0@${digest}`;
    expect(emulator.image).toBe(image);
    expect(container(objects).image).toBe(image);
    expect(container(objects).imagePullPolicy).toBe('Always');
    expect(args(objects)).toEqual(expect.arrayContaining([`--image=${image}`, '--image-pull-policy=Always']));
  });

  test('replicas: 1 drops the PodDisruptionBudget', () => {
    const { objects } = synth({ replicas: 1 });
    expect(find(objects, 'Deployment').spec.replicas).toBe(1);
    expect(kinds(objects)).not.toContain('PodDisruptionBudget');
    expect(find(synth({ replicas: 5 }).objects, 'Deployment').spec.replicas).toBe(5);
  });

  test('resources, priorityClassName, failure policy, timeout and namespace exclusions', () => {
    const { objects } = synth({
      resources: { cpu: { request: Cpu.units(1) }, memory: { limit: Size.gibibytes(1) } },
      priorityClassName: 'system-cluster-critical',
      failurePolicy: FailurePolicy.IGNORE,
      timeout: Duration.seconds(10),
      excludedNamespaces: ['monitoring'],
    });
    expect(container(objects).resources).toEqual({
      requests: { cpu: '1', memory: '224Mi' },
      limits: { cpu: '500m', memory: '1Gi' },
    });
    expect(find(objects, 'Deployment').spec.template.spec.priorityClassName).toBe('system-cluster-critical');
    expect(webhook(objects).failurePolicy).toBe('Ignore');
    expect(webhook(objects).timeoutSeconds).toBe(10);
    expect(webhook(objects).namespaceSelector.matchExpressions[0].values).toEqual([
      'imds-emulator',
      'kube-system',
      'monitoring',
    ]);
  });

  test('sidecar defaults become webhook flags', () => {
    const { objects } = synth({
      sidecarRegion: 'eu-west-1',
      sidecarHttpTokens: HttpTokens.REQUIRED,
      sidecarSessionDuration: Duration.minutes(15),
      sidecarTokenAudience: 'my-audience',
      sidecarTokenExpiration: Duration.minutes(10),
      sidecarMode: SidecarMode.NATIVE,
      sidecarServeRegion: true,
      sidecarStsEndpoint: 'https://sts.example.test',
      sidecarPort: 9080,
      sidecarHealthPort: 9081,
      sidecarResources: { cpu: { limit: Cpu.units(2) }, memory: { request: Size.mebibytes(48) } },
    });
    expect(args(objects).slice(-15)).toEqual([
      '--sidecar-mode=native',
      '--classic-job-pods=deny',
      '--sidecar-port=9080',
      '--sidecar-health-port=9081',
      '--default-region=eu-west-1',
      '--default-http-tokens=required',
      '--default-session-duration=900',
      '--default-serve-region=true',
      '--token-audience=my-audience',
      '--token-expiration=600',
      '--sidecar-cpu-request=5m',
      '--sidecar-memory-request=48Mi',
      '--sidecar-cpu-limit=2',
      '--sidecar-memory-limit=128Mi',
      '--sts-endpoint=https://sts.example.test',
    ]);
    expect(args(synth().objects).some((a) => a.startsWith('--sts-endpoint'))).toBe(false);
  });

  test("sidecarStsCaBundle: a ConfigMap or Secret key becomes the webhook's --sts-ca-bundle-* flags", () => {
    const chart = Testing.chart();
    const fromConfigMap = StsCaBundle.fromConfigMap(ConfigMap.fromConfigMapName(chart, 'ca', 'corp-ca'));
    new ImdsEmulator(chart, 'imds', { sidecarStsCaBundle: fromConfigMap });
    expect(args(Testing.synth(chart))).toEqual(
      expect.arrayContaining(['--sts-ca-bundle-configmap=corp-ca', '--sts-ca-bundle-key=ca.crt']),
    );
    const secretChart = Testing.chart();
    const fromSecret = StsCaBundle.fromSecret(
      Secret.fromSecretName(secretChart, 'ca', 'corp-ca'),
      'bundle.pem',
    );
    new ImdsEmulator(secretChart, 'imds', { sidecarStsCaBundle: fromSecret });
    const secretArgs = args(Testing.synth(secretChart));
    expect(secretArgs).toEqual(
      expect.arrayContaining(['--sts-ca-bundle-secret=corp-ca', '--sts-ca-bundle-key=bundle.pem']),
    );
    expect(secretArgs.some((a) => a.startsWith('--sts-ca-bundle-configmap'))).toBe(false);
    expect(args(synth().objects).some((a) => a.startsWith('--sts-ca-bundle'))).toBe(false);
  });

  test('fails on a bad CA bundle key or name', () => {
    const chart = Testing.chart();
    expect(() => StsCaBundle.fromConfigMap(ConfigMap.fromConfigMapName(chart, 'a', 'ca'), 'a/b')).toThrow(
      'sidecarStsCaBundle key must be a ConfigMap or Secret key (letters, digits, "-", "_" and ".", at most 253 characters), got "a/b"',
    );
    expect(() => StsCaBundle.fromSecret(Secret.fromSecretName(chart, 'b', 'Bad_Name'))).toThrow(
      'sidecarStsCaBundle name must be a DNS-1123 subdomain',
    );
  });

  test('logLevel and namespacePolicy become webhook flags', () => {
    expect(args(synth().objects)).toEqual(
      expect.arrayContaining(['--log-level=info', '--namespace-policy=true']),
    );
    const { objects } = synth({ logLevel: LogLevel.DEBUG, namespacePolicy: false });
    expect(args(objects)).toEqual(expect.arrayContaining(['--log-level=debug', '--namespace-policy=false']));
  });

  test('classicJobPods and sidecarServeRegion become webhook flags', () => {
    expect(args(synth().objects)).toEqual(
      expect.arrayContaining(['--classic-job-pods=deny', '--default-serve-region=false']),
    );
    const { objects } = synth({ classicJobPods: ClassicJobPods.WARN, sidecarServeRegion: true });
    expect(args(objects)).toEqual(
      expect.arrayContaining(['--classic-job-pods=warn', '--default-serve-region=true']),
    );
  });

  test('memory renders in the largest whole binary unit', () => {
    const { objects } = synth({
      resources: { memory: { request: Size.mebibytes(1536), limit: Size.mebibytes(2048) } },
    });
    expect(container(objects).resources.requests.memory).toBe('1536Mi');
    expect(container(objects).resources.limits.memory).toBe('2Gi');
  });

  test('scheduling: node selector, tolerations, affinity, pull secrets, pod metadata, spread override', () => {
    const chart = Testing.chart();
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['system'] }] }],
        },
      },
    };
    new ImdsEmulator(chart, 'imds', {
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
      affinity,
      imagePullSecrets: [Secret.fromSecretName(chart, 'regcred', 'regcred')],
      podAnnotations: { 'prometheus.io/scrape': 'true' },
      podLabels: { team: 'platform' },
      serviceAccountAnnotations: { 'example.com/owner': 'platform' },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
      ],
    });
    const objects = Testing.synth(chart);
    const deployment = find(objects, 'Deployment');
    const pod = deployment.spec.template;
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.spec.tolerations).toEqual([{ key: 'CriticalAddonsOnly', operator: 'Exists' }]);
    expect(pod.spec.affinity).toEqual(affinity);
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(pod.metadata.labels.team).toBe('platform');
    // Pod labels never change the selector (that would break upgrades).
    expect(Object.keys(deployment.spec.selector.matchLabels)).not.toContain('team');
    expect(pod.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
    ]);
    expect(find(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'example.com/owner': 'platform' });
    // Without the override: the soft spread over nodes and zones.
    const defaults = find(synth().objects, 'Deployment').spec.template.spec;
    expect(defaults.topologySpreadConstraints.map((c: Obj) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(defaults.nodeSelector).toBeUndefined();
  });

  test('cert-manager: Issuer, Certificate, mounted Secret, files mode, CA injection and RBAC without secrets', () => {
    const { objects } = synth({ certificate: WebhookCertificate.certManager() });
    expect(kinds(objects)).toEqual([
      'Certificate',
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Issuer',
      'MutatingWebhookConfiguration',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    expect(find(objects, 'Issuer')).toMatchObject({
      metadata: { name: 'imds-emulator-selfsigned' },
      spec: { selfSigned: {} },
    });
    expect(find(objects, 'Certificate').spec).toMatchObject({
      secretName: 'imds-emulator-tls',
      dnsNames: [
        'imds-emulator',
        'imds-emulator.imds-emulator',
        'imds-emulator.imds-emulator.svc',
        'imds-emulator.imds-emulator.svc.cluster.local',
      ],
      issuerRef: { name: 'imds-emulator-selfsigned', kind: 'Issuer', group: 'cert-manager.io' },
    });
    expect(find(objects, 'MutatingWebhookConfiguration').metadata.annotations).toEqual({
      'cert-manager.io/inject-ca-from': 'imds-emulator/imds-emulator-tls',
    });
    expect(webhook(objects).clientConfig.caBundle).toBeUndefined();
    expect(args(objects)).toEqual(expect.arrayContaining(['--cert-mode=files']));
    expect(args(objects).some((a) => a.startsWith('--cert-secret'))).toBe(false);
    expect(container(objects).volumeMounts).toEqual([
      { name: 'tls', mountPath: '/etc/imds-emulator/tls', readOnly: true },
    ]);
    expect(find(objects, 'Deployment').spec.template.spec.volumes).toEqual([
      { name: 'tls', secret: { secretName: 'imds-emulator-tls' } },
    ]);
    expect(find(objects, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test.each([SidecarMode.NATIVE, SidecarMode.CLASSIC])(
    'sidecarMode %s grants no access to Nodes (only auto reads them)',
    (sidecarMode) => {
      const rules = find(synth({ sidecarMode }).objects, 'ClusterRole').rules as Array<{
        resources: string[];
      }>;
      expect(rules.flatMap((r) => r.resources)).toEqual(['namespaces', 'mutatingwebhookconfigurations']);
    },
  );

  test('cert-manager with a user issuer creates no Issuer', () => {
    const certificate = WebhookCertificate.certManager({
      issuer: { name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' },
    });
    const { objects } = synth({ certificate });
    expect(kinds(objects)).not.toContain('Issuer');
    expect(find(objects, 'Certificate').spec.issuerRef).toEqual({
      name: 'pca',
      kind: 'AWSPCAClusterIssuer',
      group: 'awspca.cert-manager.io',
    });
  });
});

describe('ImdsEmulator monitoring (test/chart/monitoring.test.ts checks the objects themselves)', () => {
  test('off by default: no member, no object, no metrics port', () => {
    const { emulator, objects } = synth();
    expect([emulator.serviceMonitor, emulator.podMonitor, emulator.prometheusRule]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toEqual([]);
    expect(find(objects, 'Service').spec.ports).toHaveLength(1);
  });

  test('each prop adds its object alone, as a public member; only the ServiceMonitor adds the metrics port', () => {
    const cases: [ImdsEmulatorProps, string, (e: ImdsEmulator) => ApiObject | undefined][] = [
      [{ metricsServiceMonitor: true }, 'ServiceMonitor', (e) => e.serviceMonitor],
      [{ metricsPodMonitor: true }, 'PodMonitor', (e) => e.podMonitor],
      [{ metricsPrometheusRule: true }, 'PrometheusRule', (e) => e.prometheusRule],
    ];
    for (const [props, kind, member] of cases) {
      const { emulator, objects } = synth(props);
      expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').map((o) => o.kind)).toEqual([
        kind,
      ]);
      expect(member(emulator)?.kind).toBe(kind);
      expect(find(objects, kind).metadata).toMatchObject({
        name: 'imds-emulator',
        namespace: 'imds-emulator',
      });
      const ports = find(objects, 'Service').spec.ports.map(
        (p: Obj) => `${p.name}:${p.port}->${p.targetPort}`,
      );
      expect(ports).toEqual(
        kind === 'ServiceMonitor' ? ['https:443->https', 'metrics:8081->health'] : ['https:443->https'],
      );
    }
  });

  test('metricsGrafanaDashboard: a ConfigMap <name>-dashboard for the Grafana sidecar, as a public member', () => {
    expect(synth().objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    const { emulator, objects } = synth({ metricsGrafanaDashboard: true });
    const configMap = find(objects, 'ConfigMap');
    expect(emulator.grafanaDashboard?.name).toBe('imds-emulator-dashboard');
    expect(configMap.metadata).toMatchObject({ name: 'imds-emulator-dashboard', namespace: 'imds-emulator' });
    expect(configMap.metadata.labels).toMatchObject({
      grafana_dashboard: '1',
      'app.kubernetes.io/name': 'imds-emulator',
    });
    expect(JSON.parse(configMap.data['imds-emulator.json']).title).toBe('IMDS emulator');
  });

  test('metricsLabels go on the monitoring objects only, and never replace a standard label', () => {
    const { objects } = synth({
      metricsServiceMonitor: true,
      metricsPodMonitor: true,
      metricsPrometheusRule: true,
      metricsLabels: { release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'other' },
    });
    expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toHaveLength(3);
    for (const o of objects) {
      const monitoring = o.apiVersion === 'monitoring.coreos.com/v1';
      expect(o.metadata.labels.release).toBe(monitoring ? 'kube-prometheus-stack' : undefined);
      expect(o.metadata.labels['app.kubernetes.io/name']).toBe('imds-emulator');
    }
  });
});

describe('ImdsEmulator validation', () => {
  const fails = (props: ImdsEmulatorProps, message: string) => expect(() => synth(props)).toThrow(message);

  test('fails on a name that is not a DNS label or too long', () => {
    fails(
      { metadata: { name: 'Imds' } },
      'metadata.name must be a DNS-1035 label (a-z, 0-9 and "-", starting with a letter) of at most 52 characters, got "Imds"',
    );
    fails({ metadata: { name: 'a'.repeat(53) } }, 'metadata.name must be a DNS-1035 label');
  });
  test('fails on a bad namespace', () =>
    fails(
      { metadata: { namespace: 'bad_ns' } },
      'metadata.namespace must be a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most 63 characters), got "bad_ns"',
    ));
  test('fails on replicas out of range', () => {
    fails({ replicas: 0 }, 'replicas must be a whole number from 1 to 100, got 0');
    fails({ replicas: 1.5 }, 'replicas must be a whole number from 1 to 100, got 1.5');
  });
  test('fails on a timeout out of range', () =>
    fails({ timeout: Duration.seconds(45) }, 'timeout must be a whole number from 1 to 30, got 45'));
  test('fails on durations that are not whole seconds', () => {
    fails({ timeout: Duration.millis(1500) }, 'timeout must be a whole number from 1 to 30, got 1.5');
    fails(
      { sidecarSessionDuration: Duration.minutes(1) },
      'sidecarSessionDuration must be a whole number from 900 to 43200, got 60',
    );
  });
  test('fails on equal sidecar ports (the webhook would refuse them)', () =>
    fails(
      { sidecarPort: 9000, sidecarHealthPort: 9000 },
      'sidecarHealthPort must differ from sidecarPort, got 9000 for both',
    ));
  test('fails on a bad port', () =>
    fails({ sidecarPort: 70000 }, 'sidecarPort must be a whole number from 1 to 65535, got 70000'));
  test('fails on a bad image reference', () => {
    fails({ imageRepository: 'Bad Repo' }, 'imageRepository must be an image repository');
    fails({ imageTag: 'v1:2' }, 'imageTag must be an image tag such as "0.1.0", got "v1:2"');
    fails(
      { imageDigest: 'sha256:abc' },
      'imageDigest must be a digest "sha256:<64 hex digits>", got "sha256:abc"',
    );
  });
  test('fails on enum values from outside the enum (e.g. from untyped callers)', () => {
    fails(
      { imagePullPolicy: 'Sometimes' as ImagePullPolicy },
      'imagePullPolicy must be one of Always, IfNotPresent, Never, got "Sometimes"',
    );
    fails(
      { failurePolicy: 'fail' as FailurePolicy },
      'failurePolicy must be one of Fail, Ignore, got "fail"',
    );
    fails(
      { sidecarMode: 'sidecar' as SidecarMode },
      'sidecarMode must be one of native, classic, auto, got "sidecar"',
    );
    fails(
      { classicJobPods: 'allow' as ClassicJobPods },
      'classicJobPods must be one of deny, warn, got "allow"',
    );
    fails(
      { sidecarHttpTokens: 'v2' as HttpTokens },
      'sidecarHttpTokens must be one of optional, required, got "v2"',
    );
  });
  test('fails on bad resource quantities', () => {
    fails(
      { resources: { cpu: { request: Cpu.millis(-5) } } },
      'resources.cpu.request must be a CPU amount in millicores or cores such as "50m", "1" or "0.5", got "-5m"',
    );
    fails(
      { sidecarResources: { memory: { limit: Size.kibibytes(0.5) } } },
      'sidecarResources.memory.limit must be a memory size in Ki, Mi, Gi, Ti or Pi such as "64Mi", got "0.5Ki"',
    );
  });
  test('fails on a bad priorityClassName', () =>
    fails(
      { priorityClassName: 'High' },
      'priorityClassName must be a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters), got "High"',
    ));
  test('fails on a bad excluded namespace', () =>
    fails(
      { excludedNamespaces: ['ok', 'Not OK'] },
      'excludedNamespaces must be a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most 63 characters), got "Not OK"',
    ));
  test('fails on bad sidecar defaults', () => {
    fails(
      { sidecarRegion: 'Europe' },
      'sidecarRegion must be an AWS region such as "eu-west-1", got "Europe"',
    );
    fails(
      { sidecarSessionDuration: Duration.seconds(60) },
      'sidecarSessionDuration must be a whole number from 900 to 43200, got 60',
    );
    fails(
      { sidecarTokenExpiration: Duration.seconds(300) },
      'sidecarTokenExpiration must be a whole number from 600 to 4294967295, got 300',
    );
    fails(
      { sidecarTokenAudience: 'has space' },
      'sidecarTokenAudience must be a non-empty audience without spaces or quotes, got "has space"',
    );
    fails(
      { sidecarStsEndpoint: 'sts.amazonaws.com' },
      'sidecarStsEndpoint must be an http(s) URL such as "https://sts.eu-west-1.amazonaws.com", got "sts.amazonaws.com"',
    );
  });
  test('fails on a bad cert-manager issuer', () => {
    expect(() => WebhookCertificate.certManager({ issuer: { name: 'Bad_Name' } })).toThrow(
      'certificate issuer.name must be a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters), got "Bad_Name"',
    );
    expect(() => WebhookCertificate.certManager({ issuer: { name: 'ca', kind: 'issuer' } })).toThrow(
      'certificate issuer.kind must be a kind such as "ClusterIssuer", got "issuer"',
    );
    expect(() => WebhookCertificate.certManager({ issuer: { name: 'ca', group: 'Bad Group' } })).toThrow(
      'certificate issuer.group must be a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters), got "Bad Group"',
    );
  });
});
