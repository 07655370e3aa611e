/**
 * The platform team's cdk8s app: installs imds-emulator. `npm run synth` writes it to dist/imds-emulator.k8s.yaml,
 * which `kubectl apply -f dist/` applies. A workload that uses it is in examples/legacy-reports.ts.
 */
import { ImdsEmulator, LogLevel } from '@imds-emulator/constructs';
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/** Builds the app; `outdir` defaults to CDK8S_OUTDIR (set by `cdk8s synth`) or dist. */
export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  const platform = new Chart(app, 'imds-emulator', { disableResourceNameHashes: true });
  new kplus.Namespace(platform, 'namespace', { metadata: { name: 'imds-emulator' } });
  new ImdsEmulator(platform, 'imds-emulator', {
    metadata: { namespace: 'imds-emulator', labels: { team: 'platform' } },
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
    resources: {
      cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
      memory: { request: Size.mebibytes(224), limit: Size.mebibytes(384) },
    },
    logLevel: LogLevel.INFO,
    priorityClassName: 'system-cluster-critical',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
    podAnnotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8081' },
    timeout: Duration.seconds(5),
    excludedNamespaces: ['monitoring'],
    sidecarRegion: 'eu-west-1',
    sidecarSessionDuration: Duration.hours(1),
  });
  return app;
}

if (require.main === module) buildApp().synth();
