/** AdmissionReviews of Pods as the API server sends them, for the server-level tests. */
export const ENABLED = 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled';
export const ROLE = 'gkemulticloud.googleapis.com/aws-imds-emulator-role-arn';

export function podReview(
  options: {
    uid?: string;
    namespace?: string;
    role?: string;
    enabled?: boolean;
    env?: Record<string, string>;
  } = {},
) {
  const namespace = options.namespace ?? 'default';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '2f0c8d4e-0000-4000-8000-000000000001',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'app-7d4b9c-',
          namespace,
          labels: { app: 'app', ...(options.enabled === false ? {} : { [ENABLED]: 'True' }) },
          annotations: { [ROLE]: options.role ?? 'arn:aws:iam::123456789012:role/app' },
        },
        spec: {
          serviceAccountName: 'app',
          containers: [
            {
              name: 'app',
              image: 'registry.example/app:1',
              ports: [{ containerPort: 8080 }],
              env: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
            },
          ],
        },
      },
      oldObject: null,
      dryRun: false,
    },
  };
}

/** The JSON Patch of an allowed review, decoded. */
export function patchOf(review: unknown): Array<{ op: string; path: string; value?: unknown }> {
  const patch = (review as { response?: { patch?: string } }).response?.patch;
  return patch ? JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) : [];
}

/** A valid AdmissionReview of exactly `size` bytes: an opted-in pod whose env value pads it. */
export function reviewOfSize(size: number): Buffer {
  const empty = JSON.stringify(podReview({ env: { PAD: '' } }));
  return Buffer.from(JSON.stringify(podReview({ env: { PAD: 'x'.repeat(size - empty.length) } })));
}
