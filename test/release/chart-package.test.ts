import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'yaml';
import { DEFAULT_IMAGE_TAG } from '../../constructs/src';
import { ROOT, releaseVersion } from '../../scripts/release/version';

const out = mkdtempSync(join(tmpdir(), 'imds-chart-package-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** A file of the packaged chart, read from the .tgz with tar. */
const member = (tgz: string, name: string): string =>
  execFileSync('tar', ['-xzOf', tgz, `imds-emulator/${name}`]).toString();

describe('release version and chart package (npm run chart:package)', () => {
  it("uses the image tag (emulator/package.json version) as the construct's default image tag", () => {
    expect(DEFAULT_IMAGE_TAG).toBe(releaseVersion());
  });

  it('packages the chart with version, appVersion and image.tag all equal to the release version', () => {
    const tgz = execFileSync(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/release/package-chart.ts', out],
      {
        cwd: ROOT,
      },
    )
      .toString()
      .trim();
    const version = releaseVersion();
    expect(tgz).toBe(join(out, `imds-emulator-${version}.tgz`));
    const chart = yaml.parse(member(tgz, 'Chart.yaml'));
    expect([chart.version, chart.appVersion]).toEqual([version, version]);
    expect(yaml.parse(member(tgz, 'values.yaml')).image.tag).toBe(version);
    // helm itself accepts the package.
    expect(execFileSync(join(ROOT, '.tools', 'helm3', 'helm'), ['lint', tgz]).toString()).toMatch(
      /0 chart\(s\) failed/,
    );
  });
});
