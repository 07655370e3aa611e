import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'yaml';
import { buildApp } from '../../examples/app';
import { buildLegacyReportsApp } from '../../examples/legacy-reports';

const root = join(__dirname, '..', '..');

describe('examples/app.ts', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'imds-example-'));
    buildApp(out).synth();
    buildLegacyReportsApp(join(out, 'examples')).synth();
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('synthesizes exactly the committed dist/', () => {
    const files = readdirSync(out)
      .filter((f) => f !== 'examples')
      .sort();
    // Only the emulator's install: `kubectl apply -f dist/` applies no example workload.
    expect(files).toEqual(['imds-emulator.k8s.yaml']);
    for (const f of files)
      expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(root, 'dist', f), 'utf8'));
  });

  test('installs the emulator; the example workload (beside it) opts its Deployment in', () => {
    const docs = (f: string) =>
      yaml.parseAllDocuments(readFileSync(join(out, f), 'utf8')).map((d) => d.toJS());
    const platform = docs('imds-emulator.k8s.yaml');
    expect(platform.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['MutatingWebhookConfiguration', 'Deployment']),
    );
    const legacy = docs('examples/legacy-reports.k8s.yaml').find((o) => o.kind === 'Deployment');
    expect(
      legacy.spec.template.metadata.labels['gkemulticloud.googleapis.com/aws-imds-emulator-enabled'],
    ).toBe('True');
    expect(
      legacy.spec.template.metadata.annotations['gkemulticloud.googleapis.com/aws-imds-emulator-role-arn'],
    ).toBe('arn:aws:iam::123456789012:role/legacy-reports');
    expect(legacy.spec.template.spec.containers[0].image).toBe('amazon/aws-cli:2.0.6');
  });
});
