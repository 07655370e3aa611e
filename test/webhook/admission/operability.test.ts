/**
 * Issue 17's admission items: the Kubernetes API token stays out of the injected containers on a real API server,
 * a Job's pod in classic mode is refused (or warned about) with the real cause and the way out, sessions too short for
 * the sidecar's validity guarantee are warned about, and the env-mode endpoint ends in a slash.
 */
import { ENABLED_LABEL, ENABLED_SELECTOR, ENABLED_VALUE } from '@imds-emulator/contract';
import { container, type Json, P, podWith, run, serviceAccountAdmission } from './support';

const JOB_OWNER = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  name: 'nightly-28761',
  uid: '3c1b3b2e-0000-4000-8000-000000000001',
  controller: true,
  blockOwnerDeletion: true,
};

function jobPod(annotations: Record<string, string> = {}): Json {
  const pod = podWith(annotations, { restartPolicy: 'Never' });
  pod.metadata.ownerReferences = [JOB_OWNER];
  return pod;
}

const mounts = (pod: Json, name: string) =>
  (container(pod, name).volumeMounts ?? []).map((m: Json) => `${m.name}:${m.mountPath}`);

describe('the Kubernetes API token, after the ServiceAccount admission plugin runs again', () => {
  it.each([
    ['native', 'iptables'],
    ['classic', 'iptables'],
    ['native', 'env'],
  ] as const)('%s sidecar, redirect %s: only the app containers get it', (mode, redirect) => {
    const pod = podWith({ [`${P}redirect`]: redirect });
    const admitted = serviceAccountAdmission(run(pod, { mode }).patched);
    expect(mounts(admitted, 'app')).toContain(
      'kube-api-access-x7k2p:/var/run/secrets/kubernetes.io/serviceaccount',
    );
    const injected = ['imds-emulator', ...(redirect === 'iptables' ? ['imds-emulator-init'] : [])];
    for (const name of injected) {
      expect(mounts(admitted, name)).not.toContain(
        'kube-api-access-x7k2p:/var/run/secrets/kubernetes.io/serviceaccount',
      );
      expect(mounts(admitted, name)).toContain(
        'imds-emulator-no-api-token:/var/run/secrets/kubernetes.io/serviceaccount',
      );
    }
    // The app still gets its token volume; ours is an empty directory.
    const volumes = Object.fromEntries(admitted.spec.volumes.map((v: Json) => [v.name, v]));
    expect(volumes['kube-api-access-x7k2p'].projected).toBeDefined();
    expect(volumes['imds-emulator-no-api-token']).toEqual({
      name: 'imds-emulator-no-api-token',
      emptyDir: { sizeLimit: '1Ki' },
    });
  });

  it('refuses a pod that already has a volume by that name', () => {
    const pod = podWith({}, { volumes: [{ name: 'imds-emulator-no-api-token', emptyDir: {} }] });
    expect(run(pod).response.status.message).toMatch(/volume name imds-emulator-no-api-token/);
  });
});

describe("a Job's pod in classic sidecar mode", () => {
  it('is refused with the real cause and the way out, so the Job shows it as FailedCreate', () => {
    const byFlag = run(jobPod(), { mode: 'classic', modeCause: '--sidecar-mode classic' });
    expect(byFlag.response.allowed).toBe(false);
    expect(byFlag.response.status.message).toMatch(
      /this Job pod: the emulator sidecar is classic \(--sidecar-mode classic\).*never completes.*native sidecars.*AWS_WEB_IDENTITY_TOKEN_FILE.*--classic-job-pods=warn/,
    );
    expect(byFlag.response.status.message).not.toMatch(/Kubernetes 1\.29\+$/);

    const detected = '--sidecar-mode auto: node(s) old-1 (kubelet v1.27.9) run a kubelet older than 1.29';
    const byNodes = run(jobPod(), { mode: 'classic', modeCause: detected });
    expect(byNodes.response.status.message).toContain(`classic (${detected})`);
  });

  it('is admitted with the same message as a warning under --classic-job-pods=warn', () => {
    const warned = run(jobPod(), {
      mode: 'classic',
      modeCause: '--sidecar-mode classic',
      settings: { classicJobPods: 'warn' },
    });
    expect(warned.response.allowed).toBe(true);
    expect(warned.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^this Job pod: the emulator sidecar is classic \(--sidecar-mode classic\)/),
      ]),
    );
  });

  it('is admitted without a warning in native mode', () => {
    const native = run(jobPod(), { mode: 'native' });
    expect(native.response.allowed).toBe(true);
    expect(native.warnings.join('\n')).not.toMatch(/never completes/);
  });

  it('a bare pod that should complete is warned about, with the cause', () => {
    const bare = run(podWith({}, { restartPolicy: 'OnFailure' }), {
      mode: 'classic',
      modeCause: '--sidecar-mode classic',
    });
    expect(bare.response.allowed).toBe(true);
    expect(bare.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^restartPolicy OnFailure: the emulator sidecar is classic \(--sidecar-mode classic\)/,
        ),
      ]),
    );
  });
});

describe('session durations below the validity guarantee', () => {
  it.each([
    ['900', true],
    ['2699', true],
    ['2700', false],
    ['3600', false],
  ])('%s s warns: %s', (seconds, warns) => {
    const { response, warnings } = run(podWith({ [`${P}session-duration`]: seconds }));
    expect(response.allowed).toBe(true);
    const hit = warnings.find((w: string) => w.startsWith('session duration'));
    if (warns) expect(hit).toMatch(/below 2700 s: .*less than 30 minutes.*botocore/);
    else expect(hit).toBeUndefined();
  });
});

test('the env-mode endpoint ends in a slash (Debian aws CLI v2 joins it to the path without one)', () => {
  const { patched } = run(podWith({ [`${P}redirect`]: 'env' }));
  expect(container(patched, 'app').env).toContainEqual({
    name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    value: 'http://127.0.0.1:16925/',
  });
});

type Requirement = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

/** How the API server applies a webhook's objectSelector (matchExpressions) to a pod's labels. */
function selects(selector: { matchExpressions: Requirement[] }, labels: Record<string, string>): boolean {
  return selector.matchExpressions.every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    if (operator === 'Exists') return has;
    if (operator === 'DoesNotExist') return !has;
    if (operator === 'In') return has && values.includes(labels[key]);
    return !has || !values.includes(labels[key]);
  });
}

describe('the opt-in label, as a real API server sends it', () => {
  const OLD_SELECTOR = {
    matchExpressions: [{ key: ENABLED_LABEL, operator: 'In' as const, values: [ENABLED_VALUE] }],
  };

  it.each([
    ['True', 'mutated', []],
    [
      'true',
      'skipped',
      [
        'label gkemulticloud.googleapis.com/aws-imds-emulator-enabled is "true": only "True" enables the IMDS emulator',
      ],
    ],
    [
      'yes',
      'skipped',
      [
        'label gkemulticloud.googleapis.com/aws-imds-emulator-enabled is "yes": only "True" enables the IMDS emulator',
      ],
    ],
    ['False', 'skipped', []],
  ])(
    'label "%s" reaches the webhook through the contract selector: %s, warnings %j',
    (value, outcome, warnings) => {
      const pod = podWith({}, {}, { [ENABLED_LABEL]: value });
      expect(selects(ENABLED_SELECTOR, pod.metadata.labels)).toBe(true);
      const review = run(pod);
      expect(review.result.outcome).toBe(outcome);
      expect(review.warnings).toEqual(warnings);
    },
  );

  it('with the old selector (In [True]) a pod labelled "true" is never sent, so no warning could appear', () => {
    expect(selects(OLD_SELECTOR, { [ENABLED_LABEL]: 'true' })).toBe(false);
    expect(selects(OLD_SELECTOR, { [ENABLED_LABEL]: 'True' })).toBe(true);
  });

  it('pods without the label are never sent', () => {
    expect(selects(ENABLED_SELECTOR, { app: 'x' })).toBe(false);
  });
});
