import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import {
  CertificateMode,
  FailurePolicy,
  HttpTokens,
  ImagePullPolicy,
  ImdsEmulator,
  type ImdsEmulatorProps,
  SidecarMode,
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
    expect(emulator.timeoutSeconds).toBe(5);
    expect(emulator.excludedNamespaces).toEqual(['imds-emulator', 'kube-system']);
    expect(emulator.certificate.mode).toBe(CertificateMode.SELF_MANAGED);
    expect(emulator.certificateSecretName).toBe('imds-emulator-tls');
    expect(emulator.sidecar).toEqual({
      region: 'us-east-1',
      httpTokens: HttpTokens.OPTIONAL,
      sessionDuration: 3600,
      tokenAudience: 'sts.amazonaws.com',
      tokenExpiration: 3600,
      mode: SidecarMode.AUTO,
      stsEndpoint: undefined,
      resources: { cpuRequest: '5m', memoryRequest: '32Mi', cpuLimit: '1', memoryLimit: '128Mi' },
    });
    expect(emulator.resources).toEqual({
      cpuRequest: '50m',
      memoryRequest: '224Mi',
      cpuLimit: '500m',
      memoryLimit: '384Mi',
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
          { key: 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled', operator: 'In', values: ['True'] },
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
    const { objects } = synth({ labels: { team: 'platform' } });
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
});

describe('ImdsEmulator props', () => {
  test('name and namespace name every object; cluster-scoped ones carry the namespace', () => {
    const { objects } = synth({ name: 'imds', namespace: 'platform' });
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
    const a = synth({ namespace: 'team-a' }).objects;
    const b = synth({ namespace: 'team-b' }).objects;
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
      resources: { cpuRequest: '1', memoryLimit: '1Gi' },
      priorityClassName: 'system-cluster-critical',
      failurePolicy: FailurePolicy.IGNORE,
      timeoutSeconds: 10,
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
      sidecar: {
        region: 'eu-west-1',
        httpTokens: HttpTokens.REQUIRED,
        sessionDuration: 900,
        tokenAudience: 'my-audience',
        tokenExpiration: 600,
        mode: SidecarMode.NATIVE,
        stsEndpoint: 'https://sts.example.test',
        resources: { cpuLimit: '2', memoryRequest: '48Mi' },
      },
    });
    expect(args(objects).slice(-11)).toEqual([
      '--sidecar-mode=native',
      '--default-region=eu-west-1',
      '--default-http-tokens=required',
      '--default-session-duration=900',
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
    ]);
  });

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

describe('ImdsEmulator validation', () => {
  const fails = (props: ImdsEmulatorProps, message: string) => expect(() => synth(props)).toThrow(message);

  test('fails on a name that is not a DNS label or too long', () => {
    fails(
      { name: 'Imds' },
      'name must be a DNS-1035 label (a-z, 0-9 and "-", starting with a letter) of at most 52 characters, got "Imds"',
    );
    fails({ name: 'a'.repeat(53) }, 'name must be a DNS-1035 label');
  });
  test('fails on a bad namespace', () =>
    fails(
      { namespace: 'bad_ns' },
      'namespace must be a DNS-1123 label (a-z, 0-9 and "-", starting and ending with a letter or digit, at most 63 characters), got "bad_ns"',
    ));
  test('fails on replicas out of range', () => {
    fails({ replicas: 0 }, 'replicas must be a whole number from 1 to 100, got 0');
    fails({ replicas: 1.5 }, 'replicas must be a whole number from 1 to 100, got 1.5');
  });
  test('fails on a timeout out of range', () =>
    fails({ timeoutSeconds: 45 }, 'timeoutSeconds must be a whole number from 1 to 30, got 45'));
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
      { sidecar: { mode: 'sidecar' as SidecarMode } },
      'sidecar.mode must be one of native, classic, auto, got "sidecar"',
    );
    fails(
      { sidecar: { httpTokens: 'v2' as HttpTokens } },
      'sidecar.httpTokens must be one of optional, required, got "v2"',
    );
  });
  test('fails on bad resource quantities', () => {
    fails(
      { resources: { cpuRequest: 'lots' } },
      'resources.cpuRequest must be a Kubernetes quantity such as "100m", "0.5" or "64Mi", got "lots"',
    );
    fails(
      { sidecar: { resources: { memoryLimit: '1 GB' } } },
      'sidecar.resources.memoryLimit must be a Kubernetes quantity',
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
      { sidecar: { region: 'Europe' } },
      'sidecar.region must be an AWS region such as "eu-west-1", got "Europe"',
    );
    fails(
      { sidecar: { sessionDuration: 60 } },
      'sidecar.sessionDuration must be a whole number from 900 to 43200, got 60',
    );
    fails(
      { sidecar: { tokenExpiration: 300 } },
      'sidecar.tokenExpiration must be a whole number from 600 to 4294967295, got 300',
    );
    fails(
      { sidecar: { tokenAudience: 'has space' } },
      'sidecar.tokenAudience must be a non-empty audience without spaces or quotes, got "has space"',
    );
    fails(
      { sidecar: { stsEndpoint: 'sts.amazonaws.com' } },
      'sidecar.stsEndpoint must be an http(s) URL such as "https://sts.eu-west-1.amazonaws.com", got "sts.amazonaws.com"',
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
