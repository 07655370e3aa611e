/**
 * The chart's `helm test` hook: the ImdsEmulatorSelfCheck construct, built from the `test.*` values and annotated as
 * a Helm test. Chart-only: the dist/ app never adds it, so `kubectl apply -f dist/` creates no test pod.
 */
import { CHECK_FLAGS, ENABLED_LABEL, ROLE_ARN_ANNOTATION } from '@imds-emulator/contract';
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

/** The chart README's section on `helm test`. */
export function selfCheckReadme(): string[] {
  return [
    '## Self-check: `helm test`',
    '',
    'With `test.enabled` the chart ships a `helm test` hook: a pod that opts itself in exactly as your workloads do',
    `(label \`${ENABLED_LABEL}: "True"\`, annotation \`${ROLE_ARN_ANNOTATION}: <test.roleArn>\`), gets the`,
    'emulator injected by the webhook and runs `imds-emulator check` in the same image:',
    '',
    '```sh',
    `helm upgrade imds-emulator ./charts/${CHART_NAME} -n imds-emulator --reuse-values --set test.enabled=true \\`,
    '  --set test.roleArn=arn:aws:iam::123456789012:role/imds-emulator-self-check --set test.namespace=apps',
    'helm test imds-emulator -n imds-emulator --logs',
    '```',
    '',
    '- `test.roleArn`: a role whose trust policy lets `system:serviceaccount:<test.namespace>:<test.serviceAccountName>`',
    '  assume it with web identity (audience `sidecar.tokenAudience`). It needs no permissions: the check only reads the',
    '  credentials the emulator serves (and, with `test.stsEndpoint`, calls `sts:GetCallerIdentity`, which needs none).',
    '- `test.namespace` (default `default`) must be one the webhook serves: the chart refuses the release namespace,',
    '  `kube-system` and `webhook.excludedNamespaces`. If that namespace has an `allowed-role-arns` annotation, it must',
    '  allow the role; if it enforces Pod Security `baseline` or `restricted`, the init step is refused as for any pod.',
    '- It needs native sidecars (Kubernetes 1.29+, `sidecar.mode` `native` or `auto`): a classic sidecar never exits, so',
    '  the pod would run until its 240 s deadline and fail. There, run the check in a workload instead:',
    '  `kubectl exec <pod> -c imds-emulator -- imds-emulator check`.',
    '',
    'The pod passes (Succeeded) only when every check passes: the redirect reaches the sidecar on 169.254.169.254 (and',
    '`[fd00:ec2::254]` when the pod has IPv6), IMDSv2 tokens, IMDSv1 as `sidecar.httpTokens` says, the role listing, the',
    'credentials document, at least 30 minutes of validity left, and with `test.stsEndpoint` a signed',
    `\`sts:GetCallerIdentity\` whose caller is a session of the role (\`--${CHECK_FLAGS.sts.name}\`, signed for \`sidecar.region\`).`,
    '',
    'Reading a failure:',
    '',
    '- The check ran and failed: its log (`helm test --logs`, or `kubectl logs -n <test.namespace>',
    '  <release namespace>-<fullname>-self-check -c check`) has one line per check, each failure with its fix.',
    '- `helm test` says the admission webhook denied the request: the reason follows `imds-emulator:` (namespace',
    '  policy, Pod Security, a port clash).',
    '- The pod failed with reason `DeadlineExceeded` (after 240 s) and the check never ran: the sidecar got no',
    '  credentials (STS refused the role: trust policy, audience, role ARN), see',
    '  `kubectl logs -n <test.namespace> <pod> -c imds-emulator`; or the sidecars are classic.',
    '',
    'The pod stays after the run (`hook-delete-policy: before-hook-creation`, so `--logs` works on Helm 3) until the',
    'next `helm test` replaces it; Helm does not delete it on uninstall: `kubectl delete pod -n <test.namespace> <name>`.',
    '',
  ];
}
