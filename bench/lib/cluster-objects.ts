/**
 * Objects as a real API server hands them to the webhook, for the benchmarks: the AdmissionReview of a pod that a
 * Deployment's ReplicaSet creates (after the API server's defaulting and ServiceAccount admission, with the managed
 * fields the controller's create records), and Namespace objects as a list/watch returns them.
 */
import {
  ALLOWED_ROLES_NS_ANNOTATION,
  ENABLED_LABEL,
  ROLE_ARN_ANNOTATION,
} from '../../emulator/src/webhook/admission/keys';

const ACCOUNT = '123456789012';

/** Namespace `i` of a cluster: its teams' pods may use the roles `team-<i>-*`. */
export function namespaceName(i: number): string {
  return `team-${i}`;
}

export function namespaceObject(
  i: number,
  resourceVersion: number,
): Record<string, unknown> & { metadata: { name: string; [key: string]: unknown } } {
  const name = namespaceName(i);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid: `6b1f0c52-${String(i).padStart(4, '0').slice(-4)}-4c1e-9a57-${String(i).padStart(12, '0')}`,
      resourceVersion: String(resourceVersion),
      creationTimestamp: '2026-01-15T09:30:00Z',
      labels: {
        'kubernetes.io/metadata.name': name,
        team: name,
      },
      annotations: { [ALLOWED_ROLES_NS_ANNOTATION]: `arn:aws:iam::${ACCOUNT}:role/${name}-*` },
      managedFields: [
        {
          manager: 'kubectl-create',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2026-01-15T09:30:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': {
              'f:annotations': { '.': {}, [`f:${ALLOWED_ROLES_NS_ANNOTATION}`]: {} },
              'f:labels': {
                '.': {},
                'f:kubernetes.io/metadata.name': {},
                'f:team': {},
              },
            },
          },
        },
      ],
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** The AdmissionReview (CREATE) of the `n`th pod of Deployment `app` in namespace `team-<namespace>`. */
export function deploymentPodReview(namespace: number, n: number): Record<string, unknown> {
  const ns = namespaceName(namespace);
  const hash = '7d4b9c8f6d';
  const tokenVolume = `kube-api-access-${(n * 7919).toString(36).padStart(5, 'x').slice(-5)}`;
  const probe = (path: string) => ({
    httpGet: { path, port: 8080, scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `0b6e3d2a-${String(n % 10_000).padStart(4, '0')}-4f7c-8e21-${String(n).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: ns,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        uid: 'f3c2a1b0-5d4e-4f60-8a9b-0c1d2e3f4a5b',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      },
      object: {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: {
          generateName: `app-${hash}-`,
          namespace: ns,
          creationTimestamp: null,
          labels: { app: 'app', 'pod-template-hash': hash, [ENABLED_LABEL]: 'True' },
          annotations: {
            [ROLE_ARN_ANNOTATION]: `arn:aws:iam::${ACCOUNT}:role/${ns}-app`,
            'kubectl.kubernetes.io/restartedAt': '2026-03-02T10:00:00Z',
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `app-${hash}`,
              uid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
          managedFields: [
            {
              manager: 'kube-controller-manager',
              operation: 'Update',
              apiVersion: 'v1',
              time: '2026-03-02T10:00:05Z',
              fieldsType: 'FieldsV1',
              fieldsV1: {
                'f:metadata': {
                  'f:annotations': {
                    '.': {},
                    'f:kubectl.kubernetes.io/restartedAt': {},
                    [`f:${ROLE_ARN_ANNOTATION}`]: {},
                  },
                  'f:generateName': {},
                  'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {}, [`f:${ENABLED_LABEL}`]: {} },
                  'f:ownerReferences': { '.': {}, 'k:{"uid":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}': {} },
                },
                'f:spec': {
                  'f:containers': {
                    'k:{"name":"app"}': {
                      '.': {},
                      'f:env': {
                        '.': {},
                        'k:{"name":"LOG_LEVEL"}': { '.': {}, 'f:name': {}, 'f:value': {} },
                      },
                      'f:image': {},
                      'f:livenessProbe': { '.': {}, 'f:httpGet': { '.': {}, 'f:path': {}, 'f:port': {} } },
                      'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {} } },
                      'f:readinessProbe': { '.': {}, 'f:httpGet': { '.': {}, 'f:path': {}, 'f:port': {} } },
                      'f:resources': { '.': {}, 'f:limits': {}, 'f:requests': {} },
                      'f:volumeMounts': { '.': {}, 'k:{"mountPath":"/etc/app"}': { '.': {} } },
                    },
                  },
                  'f:serviceAccountName': {},
                  'f:volumes': { '.': {}, 'k:{"name":"config"}': { '.': {} } },
                },
              },
            },
          ],
        },
        spec: {
          volumes: [
            { name: 'config', configMap: { name: 'app-config', defaultMode: 420 } },
            {
              name: tokenVolume,
              projected: {
                sources: [
                  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  {
                    downwardAPI: {
                      items: [
                        {
                          path: 'namespace',
                          fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                        },
                      ],
                    },
                  },
                ],
                defaultMode: 420,
              },
            },
          ],
          containers: [
            {
              name: 'app',
              image: 'registry.example/team/app:1.42.0',
              ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'AWS_REGION', value: 'eu-west-1' },
                {
                  name: 'POD_NAME',
                  valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
                },
              ],
              resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
              volumeMounts: [
                { name: 'config', readOnly: true, mountPath: '/etc/app' },
                {
                  name: tokenVolume,
                  readOnly: true,
                  mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                },
              ],
              livenessProbe: probe('/healthz'),
              readinessProbe: probe('/readyz'),
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'app',
          serviceAccount: 'app',
          securityContext: {},
          schedulerName: 'default-scheduler',
          tolerations: [
            {
              key: 'node.kubernetes.io/not-ready',
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 300,
            },
            {
              key: 'node.kubernetes.io/unreachable',
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 300,
            },
          ],
          priority: 0,
          enableServiceLinks: true,
          preemptionPolicy: 'PreemptLowerPriority',
        },
        status: { phase: 'Pending', qosClass: 'Burstable' },
      },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}
