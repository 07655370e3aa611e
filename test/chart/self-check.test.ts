/**
 * The chart's `helm test` hook (templates/tests/self-check.yaml) rendered by the real Helm 3 and Helm 4: present only
 * when asked for, refused with a clear message when it could only fail, opted in exactly as a user's pod is (the
 * webhook's own admission injects it), within Pod Security "restricted", and absent from dist/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALLOWED_ROLES_NS_ANNOTATION,
  CHECK_FLAGS,
  ENABLED_LABEL,
  ENABLED_VALUE,
  INJECTED_ANNOTATION,
  ROLE_ARN_ANNOTATION,
} from '@imds-emulator/contract';
import * as yaml from 'yaml';
import { HOOK_ANNOTATIONS } from '../../scripts/chart/self-check';
import { restrictedViolations } from '../support/pod-security';
import { container, type Json, run } from '../webhook/admission/support';
import { CHART, cleanup, HELMS, type HelmName, helm, helmTemplate, type Obj, ROOT } from './support';

const HELM_NAMES = Object.keys(HELMS) as HelmName[];
const ROLE = 'arn:aws:iam::123456789012:role/platform/imds-emulator-self-check';
const ENABLED = { test: { enabled: true, roleArn: ROLE, namespace: 'apps', serviceAccountName: 'checker' } };

afterAll(cleanup);

const testPods = (objects: Obj[]) =>
  objects.filter((o) => o.metadata?.annotations?.['helm.sh/hook'] === 'test');

/** The error `helm template` fails with, or '' when it renders. */
async function refusal(h: HelmName, values: Json, namespace = 'platform'): Promise<string> {
  return helmTemplate(h, 'imds-emulator', namespace, values).then(
    () => '',
    (err: Error) => err.message,
  );
}

describe.each(HELM_NAMES)('%s', (h) => {
  test('the defaults render no test pod (test.enabled is false)', async () => {
    const objects = await helmTemplate(h, 'imds-emulator', 'platform', {});
    expect(objects.filter((o) => o.kind === 'Pod')).toEqual([]);
    expect(testPods(objects)).toEqual([]);
  });

  test('test.enabled renders one hook pod that opts itself in and runs check', async () => {
    const objects = await helmTemplate(h, 'imds-emulator', 'platform', ENABLED);
    const pods = testPods(objects);
    expect(pods).toHaveLength(1);
    const [pod] = pods;
    expect(pod).toMatchObject({
      kind: 'Pod',
      metadata: {
        name: 'platform-imds-emulator-self-check',
        namespace: 'apps',
        labels: { [ENABLED_LABEL]: ENABLED_VALUE, 'app.kubernetes.io/instance': 'imds-emulator' },
        annotations: { ...HOOK_ANNOTATIONS, [ROLE_ARN_ANNOTATION]: ROLE },
      },
      spec: { restartPolicy: 'Never', serviceAccountName: 'checker', automountServiceAccountToken: false },
    });
    expect(pod.metadata.annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation');
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe('ghcr.io/imds-emulator/imds-emulator:0.1.0');
    // The webhook's defaults, which apply to the pod: it sets no annotation of its own.
    expect(pod.spec.containers[0].args).toEqual([
      'check',
      `--${CHECK_FLAGS.httpTokens.name}=optional`,
      `--${CHECK_FLAGS.region.name}=us-east-1`,
    ]);
  });

  test('test.stsEndpoint adds --sts; the sidecar defaults and image settings follow the values', async () => {
    const objects = await helmTemplate(h, 'r', 'platform', {
      ...ENABLED,
      test: { ...ENABLED.test, stsEndpoint: 'https://sts.eu-west-1.amazonaws.com' },
      sidecar: { region: 'eu-west-1', httpTokens: 'required' },
      image: { repository: 'registry.example.com/imds', tag: '1.2.3', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
    });
    const [pod] = testPods(objects);
    const [check] = pod.spec.containers;
    expect(pod.metadata.name).toBe('platform-r-imds-emulator-self-check');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect([check.image, check.imagePullPolicy]).toEqual(['registry.example.com/imds:1.2.3', 'Always']);
    expect(check.args.slice(1)).toEqual([
      `--${CHECK_FLAGS.httpTokens.name}=required`,
      `--${CHECK_FLAGS.region.name}=eu-west-1`,
      `--${CHECK_FLAGS.sts.name}=https://sts.eu-west-1.amazonaws.com`,
    ]);
  });

  test.each<[string, Json, string]>([
    ['no role', { test: { enabled: true } }, 'test.enabled needs test.roleArn'],
    [
      'the release namespace',
      { test: { ...ENABLED.test, namespace: 'platform' } },
      'test.namespace "platform" is never sent to the webhook',
    ],
    [
      'kube-system',
      { test: { ...ENABLED.test, namespace: 'kube-system' } },
      'test.namespace "kube-system" is never sent to the webhook',
    ],
    [
      'an excluded namespace',
      { test: ENABLED.test, webhook: { excludedNamespaces: ['apps'] } },
      'test.namespace "apps" is never sent to the webhook (it excludes platform, kube-system, apps)',
    ],
    [
      'a role ARN that is not one',
      { test: { ...ENABLED.test, roleArn: 'arn:aws:iam::123:role/x' } },
      'roleArn',
    ],
    [
      'a role path over 512 characters',
      { test: { ...ENABLED.test, roleArn: `arn:aws:iam::123456789012:role/${'p'.repeat(511)}/x` } },
      'roleArn',
    ],
    [
      'an STS endpoint that is not a URL',
      { test: { ...ENABLED.test, stsEndpoint: 'sts.local' } },
      'stsEndpoint',
    ],
  ])('refuses test values with %s', async (_, values, message) => {
    expect(await refusal(h, values)).toContain(message);
  });

  test('a role path of exactly 512 characters is accepted', async () => {
    const roleArn = `arn:aws:iam::123456789012:role/${'p'.repeat(510)}/x`;
    expect(await refusal(h, { test: { ...ENABLED.test, roleArn } })).toBe('');
  });
});

describe('Helm treats it as a test hook', () => {
  test('install lists it under HOOKS, not in the manifest, and NOTES.txt says how to run it', async () => {
    const args = ['install', 'r', CHART, '-n', 'ns', '--dry-run=client'];
    const off = (await helm('helm4', args)).stdout;
    expect(off).toContain('Self-check: set test.enabled=true and test.roleArn');
    const set = ['--set', 'test.enabled=true', '--set', `test.roleArn=${ROLE}`];
    const { stdout } = await helm('helm4', [...args, ...set]);
    const hooks = stdout.slice(stdout.indexOf('HOOKS:'), stdout.indexOf('MANIFEST:'));
    expect(hooks).toContain('# Source: imds-emulator/templates/tests/self-check.yaml');
    expect(stdout.slice(stdout.indexOf('MANIFEST:'))).not.toContain('self-check.yaml');
    expect(stdout).toContain('Self-check: `helm test r -n ns --logs` runs `imds-emulator check` in pod');
  });
});

describe('the rendered hook pod and the webhook', () => {
  let pod: Json;
  beforeAll(async () => {
    [pod] = testPods(await helmTemplate('helm3', 'imds-emulator', 'platform', ENABLED));
  });

  test('its own spec meets Pod Security "restricted" (the check catches a violation)', () => {
    expect(restrictedViolations(pod)).toEqual([]);
    const loosened = structuredClone(pod);
    delete loosened.spec.containers[0].securityContext.capabilities;
    expect(restrictedViolations(loosened)).toEqual(['check: capabilities not dropped']);
  });

  test('admission injects it like a workload: init step, native sidecar, token volume, no API token', () => {
    const { result, patched } = run(pod);
    expect(result.outcome).toBe('mutated');
    expect(result.reason).toContain(ROLE);
    expect(patched.metadata.annotations[INJECTED_ANNOTATION]).toBeDefined();
    expect(patched.spec.initContainers.map((c: Json) => c.name)).toEqual([
      'imds-emulator-init',
      'imds-emulator',
    ]);
    expect(container(patched, 'imds-emulator').restartPolicy).toBe('Always');
    expect(patched.spec.volumes.map((v: Json) => v.name)).toContain('imds-emulator-token');
    expect(patched.spec.automountServiceAccountToken).toBe(false);
    expect(container(patched, 'check').args[0]).toBe('check');
  });

  test('with classic sidecars admission warns that the pod never completes', () => {
    const { result, warnings } = run(pod, { mode: 'classic' });
    expect(result.outcome).toBe('mutated');
    expect(warnings.join('\n')).toContain('never completes');
  });

  test('a namespace policy that does not allow the role refuses it, naming the role', () => {
    const { result } = run(pod, {
      namespaces: {
        apps: {
          labels: {},
          annotations: {
            [ALLOWED_ROLES_NS_ANNOTATION]: 'arn:aws:iam::*:role/app',
          },
        },
      },
    });
    expect(result.outcome).toBe('denied');
    expect(result.reason).toContain(`role ${ROLE} is not allowed by the policy of namespace apps`);
  });
});

describe('dist/ (kubectl apply manifests)', () => {
  test('holds no test pod and no Helm hook', () => {
    const files = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    const objects = files.flatMap((f) =>
      yaml.parseAllDocuments(readFileSync(join(ROOT, 'dist', f), 'utf8')).map((d) => d.toJS()),
    );
    expect(objects.length).toBeGreaterThan(5);
    expect(objects.filter((o) => o.kind === 'Pod')).toEqual([]);
    expect(
      objects.filter((o) => Object.keys(o.metadata?.annotations ?? {}).some((k) => k.startsWith('helm.sh/'))),
    ).toEqual([]);
  });
});
