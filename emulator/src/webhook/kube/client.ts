/** Kubernetes API access, configured the standard way: in-cluster service account, else KUBECONFIG / ~/.kube/config. */
import { ApiException, KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export function apiServer(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster configured)';
}

/** A short description of an API failure for logs: status and the API's message, never bodies or headers. */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    let message = '';
    try {
      const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      message = typeof body?.message === 'string' ? `: ${body.message}` : '';
    } catch {
      // a non-JSON body carries nothing worth logging
    }
    return `HTTP ${err.code}${message}`;
  }
  const e = err as { message?: string; cause?: { message?: string } } | undefined;
  return [e?.message ?? String(err), e?.cause?.message].filter(Boolean).join(': ');
}

export function apiStatus(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** The HTTP status of a failed call: a list (ApiException) or a watch (an Error with statusCode). */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return apiStatus(err) ?? (typeof code === 'number' ? code : undefined);
}

/** client-node has no request timeout; a black-holed API server must not stall a sync forever. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no answer from the API server within ${ms / 1000} s`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}
