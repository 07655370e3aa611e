/**
 * A user's own cdk8s app: it installs imds-emulator and runs a legacy reporting job, built for EC2 instance roles, as a
 * Deployment whose pods get credentials for an IAM role from the emulated IMDS. `npm run synth` writes it to dist/.
 */
import { HttpTokens, ImdsEmulator, ImdsEmulatorWorkload } from '@imds-emulator/constructs';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/** Builds the app; `outdir` defaults to CDK8S_OUTDIR (set by `cdk8s synth`) or dist. */
export function buildApp(outdir?: string): App {
  const app = new App({ outdir });

  const platform = new Chart(app, 'imds-emulator', { disableResourceNameHashes: true });
  new kplus.Namespace(platform, 'namespace', { metadata: { name: 'imds-emulator' } });
  new ImdsEmulator(platform, 'imds-emulator', {
    namespace: 'imds-emulator',
    priorityClassName: 'system-cluster-critical',
    excludedNamespaces: ['monitoring'],
    sidecar: { region: 'eu-west-1' },
  });

  const legacy = new Chart(app, 'legacy-reports', { disableResourceNameHashes: true });
  const namespace = 'reports';
  new kplus.Namespace(legacy, 'namespace', { metadata: { name: namespace } });
  const serviceAccount = new kplus.ServiceAccount(legacy, 'service-account', {
    metadata: { name: 'legacy-reports', namespace },
  });
  const reports = new kplus.Deployment(legacy, 'deployment', {
    metadata: { name: 'legacy-reports', namespace },
    replicas: 1,
    serviceAccount,
    containers: [
      {
        name: 'reports',
        // An aws-cli release from 2020: it only knows instance-profile credentials from IMDS.
        image: 'amazon/aws-cli:2.0.6',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: ['sh', '-c', 'while true; do aws sts get-caller-identity && aws s3 ls; sleep 300; done'],
        securityContext: { user: 1000, group: 1000, readOnlyRootFilesystem: false },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
      },
    ],
  });
  ImdsEmulatorWorkload.enable(reports, {
    roleArn: 'arn:aws:iam::123456789012:role/legacy-reports',
    httpTokens: HttpTokens.REQUIRED,
  });
  return app;
}

if (require.main === module) buildApp().synth();
