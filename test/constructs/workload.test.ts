import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { HttpTokens, ImdsEmulatorWorkload, Redirect } from '../../constructs/src';

const ROLE = 'arn:aws:iam::123456789012:role/app';
const LABEL = 'gkemulticloud.googleapis.com/aws-imds-emulator-enabled';
const ANNOTATION = 'gkemulticloud.googleapis.com/aws-imds-emulator-role-arn';
const containers = [{ image: 'amazon/aws-cli:2.0.6' }];

// biome-ignore lint/suspicious/noExplicitAny: synthesized manifests are untyped JSON.
type Obj = any;

const kinds: Record<string, (scope: Construct) => kplus.AbstractPod> = {
  Pod: (s) => new kplus.Pod(s, 'w', { containers }),
  Deployment: (s) => new kplus.Deployment(s, 'w', { containers }),
  StatefulSet: (s) =>
    new kplus.StatefulSet(s, 'w', {
      containers,
      service: new kplus.Service(s, 'svc', { ports: [{ port: 80 }] }),
    }),
  Job: (s) => new kplus.Job(s, 'w', { containers }),
  DaemonSet: (s) => new kplus.DaemonSet(s, 'w', { containers }),
};

/** The metadata the pods get: the object itself for a Pod, the pod template for the rest. */
function podMetadata(objects: Obj[], kind: string): Obj {
  const o = objects.find((x) => x.kind === kind);
  return kind === 'Pod' ? o.metadata : o.spec.template.metadata;
}

describe('ImdsEmulatorWorkload.enable', () => {
  test.each(Object.keys(kinds))('labels and annotates the pods of a %s exactly as GKE documents', (kind) => {
    const chart = Testing.chart();
    ImdsEmulatorWorkload.enable(kinds[kind](chart), { roleArn: ROLE });
    const meta = podMetadata(Testing.synth(chart), kind);
    expect(meta.labels[LABEL]).toBe('True');
    expect(meta.annotations).toEqual({ [ANNOTATION]: ROLE });
  });

  test('optional per-pod overrides become annotations', () => {
    const chart = Testing.chart();
    const deployment = new kplus.Deployment(chart, 'w', { containers });
    ImdsEmulatorWorkload.enable(deployment, {
      roleArn: 'arn:aws-us-gov:iam::123456789012:role/path/to/app',
      redirect: Redirect.ENV,
      httpTokens: HttpTokens.REQUIRED,
      region: 'us-gov-west-1',
      sessionDuration: Duration.hours(2),
    });
    expect(podMetadata(Testing.synth(chart), 'Deployment').annotations).toEqual({
      [ANNOTATION]: 'arn:aws-us-gov:iam::123456789012:role/path/to/app',
      'gkemulticloud.googleapis.com/aws-imds-emulator-redirect': 'env',
      'gkemulticloud.googleapis.com/aws-imds-emulator-http-tokens': 'required',
      'gkemulticloud.googleapis.com/aws-imds-emulator-region': 'us-gov-west-1',
      'gkemulticloud.googleapis.com/aws-imds-emulator-session-duration': '7200',
    });
  });

  test('the workload object itself is not labelled (only its pods are)', () => {
    const chart = Testing.chart();
    ImdsEmulatorWorkload.enable(new kplus.Deployment(chart, 'w', { containers }), { roleArn: ROLE });
    const deployment = Testing.synth(chart).find((o) => o.kind === 'Deployment');
    expect(deployment.metadata.labels?.[LABEL]).toBeUndefined();
  });

  describe('fails', () => {
    const enable = (options: Parameters<typeof ImdsEmulatorWorkload.enable>[1]) => () =>
      ImdsEmulatorWorkload.enable(new kplus.Pod(Testing.chart(), 'p', { containers }), options);

    test.each([
      'arn:aws:iam::12345:role/app',
      'arn:aws:iam::123456789012:user/app',
      'arn:aws:sts::123456789012:assumed-role/app/session',
      'app',
      '',
    ])('on the role ARN %j', (roleArn) => {
      expect(enable({ roleArn })).toThrow(
        `roleArn must be an IAM role ARN arn:<partition>:iam::<12-digit account>:role/<optional/path/>name, such as "arn:aws:iam::123456789012:role/my-app", got ${JSON.stringify(roleArn)}`,
      );
    });
    test('on a bad session duration', () =>
      expect(enable({ roleArn: ROLE, sessionDuration: Duration.seconds(100) })).toThrow(
        'sessionDuration must be a whole number from 900 to 43200, got 100',
      ));
    test('on a bad region', () =>
      expect(enable({ roleArn: ROLE, region: 'moon' })).toThrow(
        'region must be an AWS region such as "eu-west-1", got "moon"',
      ));
    test('on a bad redirect or http-tokens value', () => {
      expect(enable({ roleArn: ROLE, redirect: 'nat' as Redirect })).toThrow(
        'redirect must be one of iptables, env, got "nat"',
      );
      expect(enable({ roleArn: ROLE, httpTokens: 'v1' as HttpTokens })).toThrow(
        'httpTokens must be one of optional, required, got "v1"',
      );
    });
  });
});
