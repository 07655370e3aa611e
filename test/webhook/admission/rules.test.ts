/** Each admission rule and its message. */
import { mustBe, ROLE_ARN } from '@imds-emulator/contract';
import { container, type Json, P, podWith, ROLE, type RunOptions, run } from './support';

const ROLE_ANNOTATION = `${P}role-arn`;

function denial(pod: Json, options: RunOptions = {}): string {
  const { result, response } = run(pod, options);
  expect(result.outcome).toBe('denied');
  expect(response.allowed).toBe(false);
  expect(response.status.code).toBe(403);
  expect(result.reason).toBe(response.status.message);
  return response.status.message;
}

describe('role annotation', () => {
  test('missing: names the annotation and shows a valid example', () => {
    const pod = podWith();
    delete pod.metadata.annotations[ROLE_ANNOTATION];
    const message = denial(pod);
    expect(message).toContain(`annotation ${ROLE_ANNOTATION} is required`);
    expect(message).toContain('arn:aws:iam::123456789012:role/my-app');
  });

  test('a pod with labels but no annotations at all is denied the same way', () => {
    const pod = podWith();
    delete pod.metadata.annotations;
    expect(denial(pod)).toContain(`annotation ${ROLE_ANNOTATION} is required`);
  });

  test.each([
    'arn:aws:iam::12345678901:role/app',
    'arn:aws:iam::1234567890123:role/app',
    'arn:aws:iam::123456789012:user/app',
    'arn:aws:sts::123456789012:assumed-role/app/session',
    'arn:azure:iam::123456789012:role/app',
    'arn:aws-iso-bb:iam::123456789012:role/app',
    'arn:aws:iam:us-east-1:123456789012:role/app',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role/path/',
    'arn:aws:iam::123456789012:role//app',
    'arn:aws:iam::123456789012:role/my app',
    ' arn:aws:iam::123456789012:role/app',
    `arn:aws:iam::123456789012:role/${'a'.repeat(65)}`,
    `arn:aws:iam::123456789012:role/${'p'.repeat(511)}/app`, // IAM paths are at most 512 characters
    'app',
    '',
  ])('malformed %j: names the annotation, the value and an example', (arn) => {
    const message = denial(podWith({ [ROLE_ANNOTATION]: arn }));
    expect(message).toContain(`annotation ${ROLE_ANNOTATION} ${mustBe(ROLE_ARN, arn)}`);
    expect(message).toContain('such as "arn:aws:iam::123456789012:role/my-app"');
  });

  test.each([
    'arn:aws:iam::123456789012:role/app',
    'arn:aws-cn:iam::123456789012:role/app',
    'arn:aws-us-gov:iam::123456789012:role/app',
    'arn:aws-iso:iam::123456789012:role/app',
    'arn:aws-iso-b:iam::123456789012:role/app',
    'arn:aws:iam::123456789012:role/team-a/batch/app',
    'arn:aws:iam::123456789012:role/service-role/My+Role=1,x.y@z_w-v',
    `arn:aws:iam::123456789012:role/${'a'.repeat(64)}`,
    `arn:aws:iam::123456789012:role/${'p'.repeat(510)}/app`,
  ])('valid %s is passed to the sidecar', (arn) => {
    const { result, patched } = run(podWith({ [ROLE_ANNOTATION]: arn }));
    expect(result.outcome).toBe('mutated');
    const sidecar = patched.spec.initContainers.find((c: Json) => c.name === 'imds-emulator');
    expect(sidecar.args).toEqual(expect.arrayContaining(['--role-arn', arn]));
  });
});

describe('optional pod annotations', () => {
  test.each([
    ['redirect', 'ENV', 'must be one of iptables, env'],
    ['http-tokens', 'Required', 'must be one of optional, required'],
    ['region', 'EU-WEST-1', 'must be an AWS region such as "eu-west-1"'],
    ['region', 'moon', 'must be an AWS region'],
    ['session-duration', '899', 'must be a whole number from 900 to 43200'],
    ['session-duration', '43201', 'must be a whole number from 900 to 43200'],
    ['session-duration', '3600.5', 'must be a whole number'],
    ['session-duration', '1e4', 'must be a whole number'],
    ['session-duration', '', 'must be a whole number'],
  ])('%s=%j is denied naming the annotation', (name, value, hint) => {
    const message = denial(podWith({ [`${P}${name}`]: value }));
    expect(message).toContain(`annotation ${P}${name} ${hint}`);
    expect(message).toContain(`got ${JSON.stringify(value)}`);
  });

  test('every problem is reported at once', () => {
    const message = denial(
      podWith(
        { [ROLE_ANNOTATION]: 'nope', [`${P}region`]: 'x', [`${P}http-tokens`]: 'maybe' },
        { hostNetwork: true },
      ),
    );
    for (const part of [
      'role-arn must be',
      'got "nope"',
      'region must be',
      'got "x"',
      'http-tokens must be',
      'got "maybe"',
      'hostNetwork',
    ]) {
      expect(message).toContain(part);
    }
  });

  test('values override the webhook defaults in the sidecar flags', () => {
    const pod = podWith({
      [`${P}http-tokens`]: 'required',
      [`${P}region`]: 'eu-central-1',
      [`${P}session-duration`]: '43200',
    });
    const { patched } = run(pod, { settings: { stsEndpoint: 'http://127.0.0.1:5000' } });
    const sidecar = patched.spec.initContainers[1];
    expect(sidecar.args).toEqual([
      'sidecar',
      '--role-arn',
      ROLE,
      '--region',
      'eu-central-1',
      '--http-tokens',
      'required',
      '--session-duration',
      '43200',
      '--port',
      '16925',
      '--health-port',
      '16926',
      '--token-file',
      '/var/run/secrets/imds-emulator/token',
      '--sts-endpoint',
      'http://127.0.0.1:5000',
      '--drain-seconds',
      '0',
    ]);
  });

  test('only a native sidecar skips the drain: the kubelet stops it after the app has exited', () => {
    const native = run(podWith()).patched.spec.initContainers[1];
    expect(native.args.slice(-2)).toEqual(['--drain-seconds', '0']);
    const classic = run(podWith(), { mode: 'classic' }).patched.spec.containers[0];
    expect(classic.name).toBe('imds-emulator');
    expect(classic.args).not.toContain('--drain-seconds');
  });

  test('defaults come from the settings', () => {
    const { patched } = run(podWith(), {
      settings: {
        defaultRegion: 'ap-southeast-2',
        defaultHttpTokens: 'required',
        defaultSessionDuration: 1800,
      },
    });
    const args: string[] = patched.spec.initContainers[1].args;
    expect(args.slice(3, 9)).toEqual([
      '--region',
      'ap-southeast-2',
      '--http-tokens',
      'required',
      '--session-duration',
      '1800',
    ]);
    expect(args).not.toContain('--sts-endpoint');
  });

  test('an unknown annotation with the prefix draws a typo warning', () => {
    const { result, warnings } = run(podWith({ [`${P}role`]: ROLE }));
    expect(result.outcome).toBe('mutated');
    expect(warnings).toContain(
      `annotation ${P}role is not one the IMDS emulator knows and is ignored (typo?)`,
    );
  });

  test('a warning quoting an annotation key stays on one line', () => {
    const { warnings } = run(podWith({ [`${P}x\r\ny`]: '1' }));
    expect(warnings).toEqual([
      `annotation ${P}x  y is not one the IMDS emulator knows and is ignored (typo?)`,
    ]);
  });

  test('a region of another partition than the role draws a warning', () => {
    const { warnings } = run(podWith({ [`${P}region`]: 'cn-north-1' }));
    expect(warnings).toContain(
      `region cn-north-1 looks like partition aws-cn but the role ${ROLE} is in aws: STS will likely refuse`,
    );
    expect(
      run(podWith({ [ROLE_ANNOTATION]: 'arn:aws-cn:iam::123456789012:role/a', [`${P}region`]: 'cn-north-1' }))
        .warnings,
    ).toEqual([]);
  });
});

test('hostNetwork pods are denied with the reason', () => {
  const message = denial(podWith({}, { hostNetwork: true }));
  expect(message).toContain('hostNetwork pods share the node network namespace');
  expect(message).toContain('node iptables');
});

test('Windows pods are denied; Linux pods that say so are injected', () => {
  expect(denial(podWith({}, { os: { name: 'windows' } }))).toContain(
    'spec.os.name is windows: the IMDS emulator runs on Linux nodes only',
  );
  expect(run(podWith({}, { os: { name: 'linux' } })).result.outcome).toBe('mutated');
});

describe('Pod Security admission', () => {
  const ns = (level: string, annotations: Record<string, string> = {}) => ({
    namespaces: { default: { labels: { 'pod-security.kubernetes.io/enforce': level }, annotations } },
  });

  test.each(['baseline', 'restricted'])(
    'enforce=%s with the iptables redirect is denied with both ways out',
    (level) => {
      const message = denial(podWith(), ns(level));
      expect(message).toContain(`namespace default enforces Pod Security level "${level}"`);
      expect(message).toContain('NET_ADMIN/NET_RAW');
      expect(message).toContain(`${P}redirect: env`);
      expect(message).toContain('pod-security.kubernetes.io/enforce: privileged');
      expect(message).toContain(`${P}pod-security-exempt: "true"`);
    },
  );

  test.each(['baseline', 'restricted'])(
    'enforce=%s with redirect env is injected without the init step',
    (level) => {
      const { result, patched } = run(podWith({ [`${P}redirect`]: 'env' }), ns(level));
      expect(result.outcome).toBe('mutated');
      expect(JSON.stringify(patched)).not.toContain('NET_ADMIN');
    },
  );

  test('a namespace annotated as exempt is injected with the init step', () => {
    const { result } = run(podWith(), ns('restricted', { [`${P}pod-security-exempt`]: 'true' }));
    expect(result.outcome).toBe('mutated');
  });

  test.each(['privileged', ''])('enforce=%j is injected', (level) => {
    expect(run(podWith(), ns(level)).result.outcome).toBe('mutated');
  });
});

describe('namespace policy (allowed-role-arns)', () => {
  const policy = (value: string | undefined): RunOptions => ({
    namespaces: {
      default: { labels: {}, annotations: value === undefined ? {} : { [`${P}allowed-role-arns`]: value } },
    },
  });

  test('no annotation: any role', () => {
    expect(run(podWith(), policy(undefined)).result.outcome).toBe('mutated');
  });

  test.each([
    'arn:aws:iam::123456789012:role/app',
    'arn:aws:iam::123456789012:role/*',
    ' arn:aws:iam::999999999999:role/x , arn:aws:iam::123456789012:role/a?p ',
    'arn:aws:iam::*:role/**',
  ])('%j allows role/app', (value) => {
    expect(run(podWith(), policy(value)).result.outcome).toBe('mutated');
  });

  test('a role outside the list is denied naming the namespace policy and its patterns', () => {
    const message = denial(
      podWith({ [`${P}role-arn`]: 'arn:aws:iam::123456789012:role/admin/root' }),
      policy('arn:aws:iam::123456789012:role/*,arn:aws:iam::123456789012:role/team-a/**'),
    );
    expect(message).toBe(
      'imds-emulator: role arn:aws:iam::123456789012:role/admin/root is not allowed by the policy of namespace ' +
        `default: its annotation ${P}allowed-role-arns allows arn:aws:iam::123456789012:role/*, ` +
        'arn:aws:iam::123456789012:role/team-a/**',
    );
  });

  test('an empty annotation allows no role', () => {
    expect(denial(podWith(), policy(' , '))).toContain('allows no role at all');
  });

  test('an unknown namespace is denied while the policy is enforced, and injected when it is not', () => {
    expect(denial(podWith(), { namespaces: {} })).toContain('not (yet) in the imds-emulator webhook');
    const off = run(podWith(), { namespaces: {}, settings: { enforceNamespacePolicy: false } });
    expect(off.result.outcome).toBe('mutated');
  });

  test('with enforcement off the annotation is ignored', () => {
    const options = { ...policy('arn:aws:iam::1:role/none'), settings: { enforceNamespacePolicy: false } };
    expect(run(podWith(), options).result.outcome).toBe('mutated');
  });
});

describe('ports', () => {
  test('a declared port equal to the sidecar port moves only that port, everywhere it is used', () => {
    const pod = podWith({}, { containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 16925 }] }] });
    const { patched, warnings } = run(pod);
    const [init, sidecar] = patched.spec.initContainers;
    expect(init.args).toEqual(['init', '--port', '16927']);
    expect(sidecar.args).toEqual(expect.arrayContaining(['--port', '16927', '--health-port', '16926']));
    expect(warnings).toContain('the pod declares port 16925: the emulator serves IMDS on 16927');
  });

  test('a declared health port moves the probes too, in env mode the endpoint follows the IMDS port', () => {
    const pod = podWith(
      { [`${P}redirect`]: 'env' },
      {
        initContainers: [{ name: 'setup', image: 's', ports: [{ containerPort: 16926 }] }],
        containers: [
          { name: 'app', image: 'a', ports: [{ containerPort: 16925 }, { containerPort: 16927 }] },
        ],
      },
    );
    const { patched, warnings } = run(pod);
    const sidecar = patched.spec.initContainers[0];
    expect(sidecar.name).toBe('imds-emulator');
    expect(sidecar.args).toEqual(expect.arrayContaining(['--port', '16928', '--health-port', '16929']));
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(sidecar[probe].httpGet.port).toBe(16929);
    }
    expect(patched.spec.containers[0].env).toEqual([
      { name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://127.0.0.1:16928/' },
    ]);
    expect(warnings).toEqual([
      'the pod declares port 16925: the emulator serves IMDS on 16928',
      "the pod declares port 16926: the emulator's health port is 16929",
    ]);
  });

  test.each(['native', 'classic'] as const)(
    '%s: the health port is declared as imds-metrics (for the PodMonitor), moved with the port',
    (mode) => {
      const declared = podWith(
        {},
        { containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 16926 }] }] },
      );
      for (const [pod, port] of [
        [podWith(), 16926],
        [declared, 16927],
      ] as const) {
        const { patched } = run(pod, { mode });
        expect(container(patched, 'imds-emulator').ports).toEqual([
          { name: 'imds-metrics', containerPort: port, protocol: 'TCP' },
        ]);
      }
    },
  );

  test('an app container already naming a port imds-metrics keeps it: the emulator declares none, with a warning', () => {
    const ports = [{ name: 'imds-metrics', containerPort: 9100 }];
    const pod = podWith({}, { containers: [{ name: 'app', image: 'a', ports }] });
    for (const mode of ['native', 'classic'] as const) {
      const { result, patched, warnings } = run(pod, { mode });
      expect(result.outcome).toBe('mutated');
      expect(container(patched, 'imds-emulator').ports).toBeUndefined();
      expect(container(patched, 'app').ports).toEqual(ports);
      expect(warnings).toContain(
        "container(s) app declare a port named imds-metrics: the emulator's metrics port is left undeclared, so a " +
          'PodMonitor selecting that name does not scrape it',
      );
    }
  });

  test('classic mode: the postStart hook waits on the moved health port', () => {
    const pod = podWith({}, { containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 16926 }] }] });
    const { patched } = run(pod, { mode: 'classic' });
    expect(patched.spec.containers[0].lifecycle.postStart.exec.command).toEqual([
      '/usr/local/bin/imds-emulator',
      'sidecar',
      '--wait-ready',
      '--health-port',
      '16927',
    ]);
  });
});

describe('mesh proxies keep their place in front of the emulator', () => {
  test.each(['istio-proxy', 'linkerd-proxy'])(
    'classic: a first %s stays first, the emulator comes next',
    (proxy) => {
      const pod = podWith(
        {},
        {
          containers: [
            { name: proxy, image: 'p' },
            { name: 'app', image: 'a' },
          ],
        },
      );
      const { patched, warnings } = run(pod, { mode: 'classic' });
      expect(patched.spec.containers.map((c: Json) => c.name)).toEqual([proxy, 'imds-emulator', 'app']);
      expect(warnings.join('\n')).not.toContain('starts after the emulator');
    },
  );

  test('classic: a later proxy leaves the emulator first, with a warning', () => {
    const pod = podWith(
      {},
      {
        containers: [
          { name: 'app', image: 'a' },
          { name: 'linkerd-proxy', image: 'p' },
        ],
      },
    );
    const { patched, warnings } = run(pod, { mode: 'classic' });
    expect(patched.spec.containers.map((c: Json) => c.name)).toEqual([
      'imds-emulator',
      'app',
      'linkerd-proxy',
    ]);
    expect(warnings).toContainEqual(expect.stringContaining('linkerd-proxy starts after the emulator'));
  });

  test.each([
    ['iptables', {}, ['imds-emulator-init', 'linkerd-init', 'linkerd-proxy', 'imds-emulator', 'setup']],
    ['env', { [`${P}redirect`]: 'env' }, ['linkerd-init', 'linkerd-proxy', 'imds-emulator', 'setup']],
  ])('native, redirect %s: right after a native proxy', (_redirect, annotations, expected) => {
    const initContainers = [
      { name: 'linkerd-init', image: 'i' },
      { name: 'linkerd-proxy', image: 'p', restartPolicy: 'Always' },
      { name: 'setup', image: 's' },
    ];
    const { patched } = run(podWith(annotations, { initContainers }), { mode: 'native' });
    expect(patched.spec.initContainers.map((c: Json) => c.name)).toEqual(expected);
  });

  test('native: a proxy that is not a native sidecar does not move the emulator', () => {
    const initContainers = [{ name: 'istio-proxy', image: 'p' }];
    const { patched } = run(podWith({}, { initContainers }), { mode: 'native' });
    expect(patched.spec.initContainers.map((c: Json) => c.name)).toEqual([
      'imds-emulator-init',
      'imds-emulator',
      'istio-proxy',
    ]);
  });
});

describe('STS CA bundle (--sts-ca-bundle-*)', () => {
  const CA_ENV = { name: 'NODE_EXTRA_CA_CERTS', value: '/var/run/imds-emulator/sts-ca/ca.crt' };
  const CA_MOUNT = {
    name: 'imds-emulator-sts-ca',
    mountPath: '/var/run/imds-emulator/sts-ca',
    readOnly: true,
  };
  const sidecarOf = (pod: Json) =>
    [...pod.spec.initContainers, ...pod.spec.containers].find((c: Json) => c.name === 'imds-emulator');

  test.each(['native', 'classic'] as const)(
    'a ConfigMap key is mounted into the %s sidecar as the one file NODE_EXTRA_CA_CERTS names',
    (mode) => {
      const { patched } = run(podWith(), {
        mode,
        settings: { stsCaBundle: { source: 'configMap', name: 'corp-ca', key: 'bundle.pem' } },
      });
      const sidecar = sidecarOf(patched);
      expect(sidecar.env).toContainEqual(CA_ENV);
      expect(sidecar.volumeMounts).toContainEqual(CA_MOUNT);
      expect(patched.spec.volumes).toContainEqual({
        name: 'imds-emulator-sts-ca',
        configMap: { name: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] },
      });
      // Only the sidecar trusts it: the init container and the application's containers are unchanged.
      expect(patched.spec.containers.find((c: Json) => c.name === 'app').volumeMounts).toBeUndefined();
    },
  );

  test('a Secret key likewise', () => {
    const { patched } = run(podWith(), {
      settings: { stsCaBundle: { source: 'secret', name: 'corp-ca', key: 'ca.crt' } },
    });
    expect(sidecarOf(patched).env).toContainEqual(CA_ENV);
    expect(patched.spec.volumes).toContainEqual({
      name: 'imds-emulator-sts-ca',
      secret: { secretName: 'corp-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
  });

  test('without a bundle: no volume, mount or variable', () => {
    const { patched } = run(podWith());
    expect(sidecarOf(patched).env.map((e: Json) => e.name)).not.toContain('NODE_EXTRA_CA_CERTS');
    expect(sidecarOf(patched).volumeMounts).not.toContainEqual(CA_MOUNT);
    expect(patched.spec.volumes.map((v: Json) => v.name)).not.toContain('imds-emulator-sts-ca');
  });
});

describe('names the emulator needs', () => {
  test.each([
    [
      'an init container',
      { initContainers: [{ name: 'imds-emulator-init', image: 'x' }] },
      'container name imds-emulator-init',
    ],
    [
      'a token volume',
      { volumes: [{ name: 'imds-emulator-token', emptyDir: {} }] },
      'volume name imds-emulator-token',
    ],
    [
      'a run volume',
      { volumes: [{ name: 'imds-emulator-init-run', emptyDir: {} }] },
      'volume name imds-emulator-init-run',
    ],
    [
      'an STS CA volume',
      { volumes: [{ name: 'imds-emulator-sts-ca', emptyDir: {} }] },
      'volume name imds-emulator-sts-ca',
    ],
  ])('%s already used is denied', (_name, spec, what) => {
    expect(denial(podWith({}, spec))).toContain(
      `the pod already uses ${what}, which the IMDS emulator needs`,
    );
  });
});

describe('warnings', () => {
  test.each([
    ['AWS_ROLE_ARN', 'web identity (IRSA)'],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', 'web identity (IRSA)'],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'container credentials'],
    ['AWS_ACCESS_KEY_ID', 'static keys'],
    ['AWS_EC2_METADATA_DISABLED', 'it turns off IMDS'],
  ])('a container setting %s is injected with a warning', (name, why) => {
    const pod = podWith({}, { containers: [{ name: 'app', image: 'a', env: [{ name, value: 'x' }] }] });
    const { result, warnings } = run(pod);
    expect(result.outcome).toBe('mutated');
    expect(warnings.join('\n')).toContain(`container(s) app set ${name}: ${why}`);
  });

  test('classic mode warns about pods that must complete and about init containers', () => {
    const pod = podWith({}, { restartPolicy: 'OnFailure', initContainers: [{ name: 'setup', image: 's' }] });
    const { warnings } = run(pod, { mode: 'classic' });
    expect(warnings).toEqual([
      expect.stringContaining(
        'restartPolicy OnFailure: the emulator sidecar is classic (--sidecar-mode classic) and keeps running',
      ),
      'in classic sidecar mode the emulator starts after all init containers: they get no credentials',
    ]);
    expect(run(pod, { mode: 'native' }).warnings).toEqual([]);
  });
});

describe('env redirect', () => {
  const envPod = () =>
    podWith(
      { [`${P}redirect`]: 'env' },
      {
        initContainers: [{ name: 'setup', image: 's', env: [{ name: 'A', value: '1' }] }],
        containers: [
          { name: 'app', image: 'a' },
          {
            name: 'own',
            image: 'o',
            env: [{ name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://10.1.2.3' }],
          },
          {
            name: 'same',
            image: 'o',
            env: [{ name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://127.0.0.1:16925/' }],
          },
        ],
      },
    );

  test.each(['native', 'classic'] as const)(
    '%s: no init step; every container learns the endpoint',
    (mode) => {
      const { patched, warnings } = run(envPod(), { mode });
      const names = [...(patched.spec.initContainers ?? []), ...patched.spec.containers].map(
        (c: Json) => c.name,
      );
      expect(names).not.toContain('imds-emulator-init');
      expect(patched.spec.volumes.map((v: Json) => v.name)).toEqual([
        'imds-emulator-token',
        'imds-emulator-no-api-token',
      ]);
      const env = (name: string) =>
        [...patched.spec.initContainers, ...patched.spec.containers].find((c: Json) => c.name === name).env;
      expect(env('setup')).toEqual([
        { name: 'A', value: '1' },
        { name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://127.0.0.1:16925/' },
      ]);
      expect(env('app')).toEqual([
        { name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://127.0.0.1:16925/' },
      ]);
      expect(env('own')).toEqual([{ name: 'AWS_EC2_METADATA_SERVICE_ENDPOINT', value: 'http://10.1.2.3' }]);
      expect(env('same')).toHaveLength(1);
      expect(warnings).toContain(
        'container(s) own set AWS_EC2_METADATA_SERVICE_ENDPOINT themselves; left unchanged',
      );
      expect(env('imds-emulator').map((e: Json) => e.name)).not.toContain(
        'AWS_EC2_METADATA_SERVICE_ENDPOINT',
      );
    },
  );
});

test('the injected annotation is added with the key escaped (RFC 6901 ~1 for /)', () => {
  const pod = podWith({ 'example.com/owner~team': 'a/b' });
  const { patch, patched } = run(pod);
  expect(patch).toContainEqual({
    op: 'add',
    path: '/metadata/annotations/gkemulticloud.googleapis.com~1aws-imds-emulator-injected',
    value: 'ghcr.io/imds-emulator/imds-emulator:0.1.0',
  });
  expect(patched.metadata.annotations).toEqual({
    ...pod.metadata.annotations,
    [`${P}injected`]: 'ghcr.io/imds-emulator/imds-emulator:0.1.0',
  });
});

test.each(['native', 'classic'] as const)('%s: an already-injected pod is allowed unchanged', (mode) => {
  const first = run(podWith(), { mode });
  const second = run(first.patched, { mode });
  expect(second.result.outcome).toBe('skipped');
  expect(second.result.reason).toContain('already injected');
  expect(second.response.patch).toBeUndefined();
});
