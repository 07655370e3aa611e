/**
 * The chart's `helm test` hook: the ImdsEmulatorSelfCheck construct, built from the `test.*` values and annotated as
 * a Helm test. Chart-only: the dist/ app never adds it, so `kubectl apply -f dist/` creates no test pod.
 */
import { ServiceAccount } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ImdsEmulator, ImdsEmulatorProps } from '../../constructs/src';
import { ImdsEmulatorSelfCheck } from '../../constructs/src';
import { CHART_NAME, type Values } from './values';

/**
 * Kept after it ran (no `hook-succeeded`), so `helm test --logs` and `kubectl logs` can read it: Helm 3 deletes a
 * hook-succeeded test pod before it fetches the logs (helm/helm#9098). The next `helm test` replaces it.
 */
export const HOOK_ANNOTATIONS = {
  'helm.sh/hook': 'test',
  'helm.sh/hook-delete-policy': 'before-hook-creation',
};

/** Template file of the test pod (Helm's convention: templates/tests/). */
export const SELF_CHECK_FILE = 'tests/self-check.yaml';
/** Renders it when test.enabled, and refuses (at install) values that could only give a failing pod. */
export const SELF_CHECK_CONDITION = `include "${CHART_NAME}.selfCheck" .`;

/** The test pod for these (complete, merged) values, next to the emulator they test; none unless test.enabled. */
export function addSelfCheck(
  scope: Construct,
  v: Values,
  emulator: ImdsEmulator,
  props: ImdsEmulatorProps,
): ImdsEmulatorSelfCheck | undefined {
  const test = v.test as Record<string, unknown>;
  if (test.enabled !== true) return undefined;
  const text = (key: string) => test[key] as string;
  return new ImdsEmulatorSelfCheck(scope, 'self-check', {
    metadata: {
      // Named like the cluster-scoped objects: releases in different namespaces may test in the same one.
      name: `${emulator.clusterScopedName}-self-check`,
      namespace: text('namespace'),
      labels: {
        ...emulator.selectorLabels,
        'app.kubernetes.io/component': 'self-check',
        'app.kubernetes.io/part-of': CHART_NAME,
        ...props.metadata?.labels,
      },
      annotations: { ...props.metadata?.annotations, ...HOOK_ANNOTATIONS },
    },
    roleArn: text('roleArn'),
    serviceAccount: ServiceAccount.fromServiceAccountName(scope, 'self-check-sa', text('serviceAccountName')),
    image: emulator.image,
    imagePullPolicy: emulator.imagePullPolicy,
    imagePullSecrets: props.imagePullSecrets,
    // The pod sets no annotation, so the webhook's defaults apply: the check expects them.
    httpTokens: emulator.sidecarHttpTokens,
    region: emulator.sidecarRegion,
    stsEndpoint: text('stsEndpoint') || undefined,
  });
}
