/** Shared builders for the admission tests: settings, reviews, and applying the answer's patch. */
import { applyPatch, type Operation } from 'fast-json-patch';
import {
  type AdmissionResult,
  type InjectionSettings,
  type NamespaceInfo,
  reviewAdmission,
  type SidecarMode,
} from '../../../emulator/src/webhook/admission';

export const P = 'gkemulticloud.googleapis.com/aws-imds-emulator-';
export const ROLE = 'arn:aws:iam::123456789012:role/app';

export function settings(overrides: Partial<InjectionSettings> = {}): InjectionSettings {
  return {
    image: 'ghcr.io/imds-emulator/imds-emulator:0.1.0',
    imagePullPolicy: 'IfNotPresent',
    sidecarPort: 16925,
    sidecarHealthPort: 16926,
    defaultRegion: 'us-east-1',
    defaultHttpTokens: 'optional',
    defaultSessionDuration: 3600,
    defaultServeRegion: false,
    tokenAudience: 'sts.amazonaws.com',
    tokenExpirationSeconds: 3600,
    resources: { cpuRequest: '10m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '128Mi' },
    enforceNamespacePolicy: true,
    classicJobPods: 'deny',
    ...overrides,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: pods in tests are free-form JSON
export type Json = any;

export function podWith(annotations: Record<string, string> = {}, spec: Json = {}, labels: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'app-',
      namespace: 'default',
      labels: { [`${P}enabled`]: 'True', ...labels },
      annotations: { [`${P}role-arn`]: ROLE, ...annotations },
    },
    spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec },
  };
}

export function reviewOf(object: unknown, request: Json = {}): Json {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: (object as Json)?.metadata?.namespace ?? 'default',
      object,
      ...request,
    },
  };
}

export interface RunOptions {
  mode?: SidecarMode;
  /** Why that mode, as the server says it (the flag, or what auto mode detected). */
  modeCause?: string;
  settings?: Partial<InjectionSettings>;
  namespaces?: Record<string, NamespaceInfo>;
}

export interface Run {
  result: AdmissionResult;
  response: Json;
  patch: Operation[];
  /** The pod with the patch applied (the original is left untouched). */
  patched: Json;
  warnings: string[];
}

const OPEN_NAMESPACE: NamespaceInfo = { labels: {}, annotations: {} };

export function runReview(body: unknown, options: RunOptions = {}): Run {
  const namespaces = options.namespaces;
  const result = reviewAdmission(body, settings(options.settings), {
    sidecarMode: options.mode ?? 'native',
    sidecarModeCause: options.modeCause,
    namespace: (name) => (namespaces ? namespaces[name] : OPEN_NAMESPACE),
  });
  const response = (result.body as Json).response;
  const patch: Operation[] = response?.patch
    ? JSON.parse(Buffer.from(response.patch, 'base64').toString())
    : [];
  const object = (body as Json)?.request?.object;
  // validateOperation=true: every operation must be applicable to the original, in order.
  const patched =
    patch.length > 0 ? applyPatch(structuredClone(object), patch, true, false).newDocument : object;
  return { result, response, patch, patched, warnings: response?.warnings ?? [] };
}

export function run(pod: Json, options: RunOptions = {}): Run {
  return runReview(reviewOf(pod), options);
}

export function container(pod: Json, name: string): Json {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: Json) => c.name === name);
}

const API_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * What a real API server's ServiceAccount admission plugin does after the mutating webhooks (it runs again when they
 * changed the pod): unless automountServiceAccountToken is false, every container and init container that has nothing
 * mounted at the API token path gets the `kube-api-access-*` projected volume there ("existing mounts at the default
 * mount path prevent mounting of the API token", plugin/pkg/admission/serviceaccount/admission.go).
 */
export function serviceAccountAdmission(pod: Json): Json {
  const out = structuredClone(pod);
  if (out.spec.automountServiceAccountToken === false) return out;
  const name = 'kube-api-access-x7k2p';
  let needed = false;
  for (const c of [...(out.spec.initContainers ?? []), ...out.spec.containers]) {
    if ((c.volumeMounts ?? []).some((m: Json) => m.mountPath === API_TOKEN_PATH)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name, mountPath: API_TOKEN_PATH, readOnly: true }];
    needed = true;
  }
  if (needed && !(out.spec.volumes ?? []).some((v: Json) => v.name.startsWith('kube-api-access-'))) {
    out.spec.volumes = [
      ...(out.spec.volumes ?? []),
      { name, projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ];
  }
  return out;
}
