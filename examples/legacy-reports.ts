/**
 * An application team's cdk8s app: a legacy reporting job, built for EC2 instance roles, as a Deployment whose pods get
 * credentials for an IAM role from the emulated IMDS (installed by examples/app.ts). Run it with
 * `npx tsx examples/legacy-reports.ts <outdir>`; it is not part of dist/.
 */
import { HttpTokens, ImdsEmulatorWorkload } from '@imds-emulator/constructs';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

export function buildLegacyReportsApp(outdir: string): App {
  const app = new App({ outdir });
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

if (require.main === module) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: npx tsx examples/legacy-reports.ts <outdir>');
  buildLegacyReportsApp(outdir).synth();
}
