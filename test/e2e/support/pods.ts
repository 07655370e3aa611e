import type { PodManifest } from './translate';

const PREFIX = 'gkemulticloud.googleapis.com/aws-imds-emulator-';
export const ACCOUNT = '123456789012';

/** Host paths the app container mounts read-only for the JavaScript client: Node 22 and the project's packages. */
export interface AppMounts {
  readonly nodeBinary: string;
  readonly nodeModules: string;
  readonly scripts: string;
}

export interface Scenario {
  readonly title: string;
  readonly roleName: string;
  /** Env of the app container that makes clients prefer the IPv6 IMDS endpoint. */
  readonly ipv6Preferring: boolean;
  readonly pod: (image: string, mounts: AppMounts) => PodManifest;
}

/** The application container: Debian's awscli and boto3, iptables, and a mounted Node with the AWS SDK v3. */
function app(image: string, env: Array<{ name: string; value: string }> = []) {
  return {
    name: 'app',
    image,
    imagePullPolicy: 'Never',
    command: ['sleep', 'infinity'],
    env: [{ name: 'NODE_PATH', value: '/opt/e2e/node_modules' }, ...env],
    volumeMounts: [
      { name: 'e2e-node', mountPath: '/opt/e2e/bin/node', readOnly: true },
      { name: 'e2e-node-modules', mountPath: '/opt/e2e/node_modules', readOnly: true },
      { name: 'e2e-scripts', mountPath: '/opt/e2e/scripts', readOnly: true },
    ],
  };
}

function appVolumes(mounts: AppMounts) {
  return [
    { name: 'e2e-node', hostPath: { path: mounts.nodeBinary, type: 'File' } },
    { name: 'e2e-node-modules', hostPath: { path: mounts.nodeModules, type: 'Directory' } },
    { name: 'e2e-scripts', hostPath: { path: mounts.scripts, type: 'Directory' } },
  ];
}

function optIn(roleName: string, extra: Record<string, string> = {}) {
  return {
    labels: { [`${PREFIX}enabled`]: 'True' },
    annotations: { [`${PREFIX}role-arn`]: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, ...extra },
  };
}

export const SCENARIOS: Scenario[] = [
  {
    title: 'plain Pod',
    roleName: 'e2e-plain',
    ipv6Preferring: false,
    pod: (image, mounts) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'plain', namespace: 'e2e', ...withLabels(optIn('e2e-plain'), { app: 'plain' }) },
      spec: { serviceAccountName: 'plain', containers: [app(image)], volumes: appVolumes(mounts) },
    }),
  },
  {
    title: 'Deployment-made pod (generateName, ownerReferences)',
    roleName: 'e2e-web',
    ipv6Preferring: false,
    pod: (image, mounts) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'web-7d9f8c6b5-',
        namespace: 'e2e',
        ...withLabels(optIn('e2e-web', { [`${PREFIX}region`]: 'eu-west-1' }), {
          app: 'web',
          'pod-template-hash': '7d9f8c6b5',
        }),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'web-7d9f8c6b5',
            uid: '6b1f0c1e-7d1a-4c55-9a53-2f0d3b8f7e11',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        serviceAccountName: 'web',
        containers: [app(image)],
        volumes: appVolumes(mounts),
        terminationGracePeriodSeconds: 30,
      },
    }),
  },
  {
    title: 'pod with its own init container',
    roleName: 'e2e-migrate',
    ipv6Preferring: false,
    pod: (image, mounts) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'with-init',
        namespace: 'e2e',
        ...withLabels(optIn('e2e-migrate'), { app: 'with-init' }),
      },
      spec: {
        serviceAccountName: 'migrate',
        initContainers: [
          {
            name: 'prepare',
            image,
            imagePullPolicy: 'Never',
            command: ['python3', '-c', "open('/work/prepared', 'w').write('ok')"],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
        containers: [
          { ...app(image), volumeMounts: [...app(image).volumeMounts, { name: 'work', mountPath: '/work' }] },
        ],
        volumes: [...appVolumes(mounts), { name: 'work', emptyDir: {} }],
      },
    }),
  },
  {
    title: 'IPv6-preferring client (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6)',
    roleName: 'e2e-v6',
    ipv6Preferring: true,
    pod: (image, mounts) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'v6', namespace: 'e2e', ...withLabels(optIn('e2e-v6'), { app: 'v6' }) },
      spec: {
        serviceAccountName: 'v6',
        containers: [app(image, [{ name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE', value: 'IPv6' }])],
        volumes: appVolumes(mounts),
      },
    }),
  },
];

function withLabels(meta: ReturnType<typeof optIn>, labels: Record<string, string>) {
  return { ...meta, labels: { ...labels, ...meta.labels } };
}

/** The AdmissionReview the API server would send for creating `pod` in its namespace. */
export function admissionReview(pod: PodManifest, uid: string): unknown {
  const namespace = (pod.metadata as { namespace?: string }).namespace ?? 'default';
  const kind = { group: '', version: 'v1', kind: 'Pod' };
  const resource = { group: '', version: 'v1', resource: 'pods' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: pod.metadata.name,
      namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        groups: ['system:serviceaccounts'],
      },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
