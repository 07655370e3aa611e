/** The Secret and the MutatingWebhookConfiguration of self-managed mode, each addressed by name only (RBAC resourceNames). */
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { CertSecretStore, StoredSecret, WebhookConfigStore } from '../certs/self-managed';
import type { PatchOperation, WebhookEntry } from '../certs/webhook-bundle';
import { apiStatus, withTimeout } from './client';

const TIMEOUT_MS = 10_000;

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
  );
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

async function expecting<T>(call: Promise<T>, status: number, what: string): Promise<T | undefined> {
  try {
    return await withTimeout(call, TIMEOUT_MS, what);
  } catch (err) {
    if (apiStatus(err) === status) return undefined;
    throw err;
  }
}

export function secretStore(kc: KubeConfig, namespace: string, name: string): CertSecretStore {
  const api = kc.makeApiClient(CoreV1Api);
  const metadata = { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'imds-emulator-webhook' } };
  return {
    async get(): Promise<StoredSecret | undefined> {
      const secret = await expecting(
        api.readNamespacedSecret({ name, namespace }),
        404,
        `get Secret ${namespace}/${name}`,
      );
      return secret && { data: decode(secret.data), resourceVersion: secret.metadata?.resourceVersion ?? '' };
    },
    async create(data) {
      const body = { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: encode(data) };
      return (
        (await expecting(
          api.createNamespacedSecret({ namespace, body }),
          409,
          `create Secret ${namespace}/${name}`,
        )) !== undefined
      );
    },
    async replace(data, resourceVersion) {
      const body = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { ...metadata, resourceVersion },
        type: 'Opaque',
        data: encode(data),
      };
      return (
        (await expecting(
          api.replaceNamespacedSecret({ name, namespace, body }),
          409,
          `update Secret ${namespace}/${name}`,
        )) !== undefined
      );
    },
  };
}

export function webhookConfigStore(kc: KubeConfig, name: string): WebhookConfigStore {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  return {
    async get(): Promise<WebhookEntry[] | undefined> {
      const config = await expecting(
        api.readMutatingWebhookConfiguration({ name }),
        404,
        `get MutatingWebhookConfiguration ${name}`,
      );
      return (
        config && (config.webhooks ?? []).map((w) => ({ name: w.name, caBundle: w.clientConfig?.caBundle }))
      );
    },
    async patch(ops: PatchOperation[]) {
      await withTimeout(
        api.patchMutatingWebhookConfiguration(
          { name, body: ops },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        ),
        TIMEOUT_MS,
        `patch MutatingWebhookConfiguration ${name}`,
      );
    },
  };
}
