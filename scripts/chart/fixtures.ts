/**
 * The value matrix of the chart tests, also written to charts/imds-emulator/ci/<name>-values.yaml (the chart-testing
 * convention) so `helm lint` can be run on each. Every value of values.yaml differs from its default in at least one
 * fixture.
 */
import type { Values } from './values';

export const FIXTURES: Record<string, Values> = {
  default: {},
  'cert-manager': { certificate: { mode: 'certManager' } },
  'cert-manager-issuer': {
    certificate: { mode: 'certManager', certManager: { issuer: { name: 'corp-ca', kind: 'ClusterIssuer' } } },
  },
  'cert-manager-external-issuer': {
    certificate: {
      mode: 'certManager',
      certManager: {
        issuer: { name: 'aws-pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' },
      },
    },
  },
  'single-replica': { replicaCount: 1 },
  'image-digest': {
    image: {
      repository: 'registry.example.com:5000/platform/imds-emulator',
      tag: '1.2.3-rc.1',
      digest: `sha256:${'0123456789abcdef'.repeat(4)}`,
      pullPolicy: 'Always',
    },
    replicaCount: 3,
    priorityClassName: 'system-cluster-critical',
  },
  resources: {
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    sidecar: {
      resources: { requests: { cpu: '5m', memory: '32Mi' }, limits: { cpu: '250m', memory: '96Mi' } },
    },
  },
  'webhook-policy': {
    webhook: {
      failurePolicy: 'Ignore',
      timeoutSeconds: 10,
      excludedNamespaces: ['monitoring', 'istio-system'],
    },
  },
  'sidecar-defaults': {
    sidecar: {
      mode: 'native',
      region: 'eu-west-1',
      httpTokens: 'required',
      sessionDuration: 7200,
      tokenAudience: 'sts.amazonaws.com.cn',
      tokenExpiration: 1800,
      stsEndpoint: 'https://vpce-0123.sts.eu-west-1.vpce.amazonaws.com',
      stsCaBundle: { configMap: 'corp-ca' },
    },
  },
  'fullname-override': { fullnameOverride: 'imds' },
  monitoring: {
    metrics: {
      serviceMonitor: { enabled: true },
      podMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      grafanaDashboard: { enabled: true },
      additionalLabels: { release: 'kube-prometheus-stack' },
    },
  },
  scheduling: {
    imagePullSecrets: [{ name: 'regcred' }],
    nodeSelector: { 'kubernetes.io/os': 'linux', 'node-role.example.com/platform': 'true' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'imds-emulator' } },
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'imds-emulator' } },
      },
    ],
    podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8081' },
    podLabels: { team: 'platform' },
    serviceAccount: { annotations: { 'example.com/owner': 'platform' } },
  },
  'self-check': {
    test: {
      enabled: true,
      roleArn: 'arn:aws:iam::123456789012:role/platform/imds-emulator-self-check',
      namespace: 'apps',
      serviceAccountName: 'imds-check',
      stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
    },
    sidecar: { region: 'eu-west-1', httpTokens: 'required' },
    imagePullSecrets: [{ name: 'regcred' }],
  },
  'webhook-settings': {
    logLevel: 'debug',
    namespacePolicy: { enabled: false },
    classicJobPods: 'warn',
    sidecar: {
      port: 9080,
      healthPort: 9081,
      serveRegion: true,
      stsCaBundle: { secret: 'corp-ca', key: 'bundle.pem' },
    },
    resources: { requests: { cpu: '0.25', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  },
};
