import { ApiObject, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { HttpTokens, ImdsEmulator, ImdsEmulatorSelfCheck } from '../../constructs/src';
import { restrictedViolations } from '../support/pod-security';

const ROLE = 'arn:aws:iam::123456789012:role/app';

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON.
type Obj = any;

describe('ImdsEmulatorSelfCheck', () => {
  test('defaults: an opted-in pod in "default" that runs check with no flags, least privilege', () => {
    const chart = Testing.chart();
    const selfCheck = new ImdsEmulatorSelfCheck(chart, 'check', { roleArn: ROLE });
    const [pod]: Obj[] = Testing.synth(chart);
    expect(ApiObject.of(selfCheck)).toBe(selfCheck.pod);
    expect(selfCheck.name).toBe('imds-emulator-self-check');
    expect(selfCheck.namespace).toBe('default');
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'imds-emulator-self-check',
        namespace: 'default',
        labels: { 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled': 'True' },
        annotations: { 'gkemulticloud.googleapis.com/aws-imds-emulator-role-arn': ROLE },
      },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: 240,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'check',
            image: 'ghcr.io/imds-emulator/imds-emulator:0.1.0',
            imagePullPolicy: 'IfNotPresent',
            args: ['check'],
            resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
            securityContext: expect.objectContaining({ readOnlyRootFilesystem: true }),
          },
        ],
      },
    });
    expect(restrictedViolations(pod)).toEqual([]);
  });

  test("takes an emulator's image, a service account, pull secrets and the check's flags", () => {
    const chart = Testing.chart();
    const emulator = new ImdsEmulator(chart, 'emulator', { imageTag: '1.2.3' });
    new ImdsEmulatorSelfCheck(chart, 'check', {
      metadata: { name: 'check', namespace: 'apps', labels: { team: 'platform' }, annotations: { a: 'b' } },
      roleArn: ROLE,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'checker'),
      image: emulator.image,
      imagePullPolicy: kplus.ImagePullPolicy.ALWAYS,
      imagePullSecrets: [kplus.Secret.fromSecretName(chart, 'pull', 'regcred')],
      httpTokens: HttpTokens.REQUIRED,
      region: 'eu-west-1',
      stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
    });
    const pod = Testing.synth(chart).find((o: Obj) => o.kind === 'Pod');
    expect(pod.metadata).toMatchObject({
      name: 'check',
      namespace: 'apps',
      labels: { team: 'platform', 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled': 'True' },
      annotations: { a: 'b', 'gkemulticloud.googleapis.com/aws-imds-emulator-role-arn': ROLE },
    });
    expect(pod.spec.serviceAccountName).toBe('checker');
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/imds-emulator/imds-emulator:1.2.3',
      imagePullPolicy: 'Always',
      args: [
        'check',
        '--http-tokens=required',
        '--region=eu-west-1',
        '--sts=https://sts.eu-west-1.amazonaws.com',
      ],
    });
  });

  test('the opt-in label and role annotation win over metadata that repeats them', () => {
    const chart = Testing.chart();
    new ImdsEmulatorSelfCheck(chart, 'check', {
      roleArn: ROLE,
      metadata: {
        labels: { 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled': 'true' },
        annotations: { 'gkemulticloud.googleapis.com/aws-imds-emulator-role-arn': 'other' },
      },
    });
    const [pod]: Obj[] = Testing.synth(chart);
    expect(pod.metadata.labels['gkemulticloud.googleapis.com/aws-imds-emulator-enabled']).toBe('True');
    expect(pod.metadata.annotations['gkemulticloud.googleapis.com/aws-imds-emulator-role-arn']).toBe(ROLE);
  });

  test.each<[string, object, string]>([
    ['a role ARN that is not one', { roleArn: 'arn:aws:iam::123:role/x' }, 'roleArn must be an IAM role ARN'],
    ['a bad namespace', { metadata: { namespace: 'Apps' } }, 'metadata.namespace must be'],
    ['a bad name', { metadata: { name: 'Check_1' } }, 'metadata.name must be'],
    ['a bad image', { image: 'Image With Spaces' }, 'image must be an image reference'],
    ['a bad STS endpoint', { stsEndpoint: 'sts.local' }, 'stsEndpoint must be an http(s) URL'],
    ['a bad region', { region: 'Europe' }, 'region must be an AWS region'],
    ['a bad httpTokens', { httpTokens: 'v2' }, 'httpTokens must be one of optional, required'],
  ])('fails with %s', (_, props, message) => {
    expect(() => new ImdsEmulatorSelfCheck(Testing.chart(), 'check', { roleArn: ROLE, ...props })).toThrow(
      message,
    );
  });
});
