/**
 * `--serve-region` with real clients: each must come out with the configured region from a real sidecar on loopback
 * (credentials from moto), with IMDSv2 required and optional, and find nothing while the flag is off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningMoto, startMoto } from '../support/moto';
import { startTestSidecar, type TempDir, type TestSidecar, tempDir } from './harness';
import {
  BOTOCORE_REGION,
  buildGoRegion,
  goRegion,
  JS_V2_REGION,
  JS_V3_REGION,
  missingGo,
  type RegionClient,
  type RegionRun,
} from './region-clients';

const REGION = 'eu-west-1';
const ZONE = 'eu-west-1b';

describe('real clients discover the region from the sidecar', () => {
  let moto: RunningMoto;
  let dir: TempDir;
  let home: string;
  /** --serve-region with a known zone, IMDSv2 required. */
  let required: TestSidecar;
  /** --serve-region without a zone, IMDSv1 allowed. */
  let noZone: TestSidecar;
  /** The default: no region answers. */
  let off: TestSidecar;
  let go: RegionClient;

  beforeAll(async () => {
    expect(missingGo()).toEqual([]);
    go = goRegion(buildGoRegion());
    dir = tempDir();
    dir.writeToken();
    home = mkdtempSync(join(tmpdir(), 'imds-region-home-'));
    moto = await startMoto();
    const common = { 'token-file': dir.tokenFile, 'sts-endpoint': moto.endpoint, region: REGION };
    required = await startTestSidecar({
      ...common,
      'serve-region': 'true',
      'availability-zone': ZONE,
      'http-tokens': 'required',
    });
    noZone = await startTestSidecar({ ...common, 'serve-region': 'true' });
    off = await startTestSidecar(common);
    await Promise.all([required.sidecar.ready, noZone.sidecar.ready, off.sidecar.ready]);
  }, 300_000);

  afterAll(async () => {
    await required?.stop();
    await noZone?.stop();
    await off?.stop();
    await moto?.stop();
    dir?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const out = (result: RegionRun) => {
    if (!result.out) throw new Error(`client failed (${result.code}): ${result.stderr}`);
    return result.out;
  };

  it('aws-sdk-go v1 ec2metadata.Region() reads the region and the account from the identity document', async () => {
    for (const sidecar of [required, noZone]) {
      const doc = out(await go.discover(sidecar.endpoint, home, REGION));
      // No instance id and a zero pendingTime: nothing that looks like a real instance.
      expect(doc).toEqual({
        region: REGION,
        accountId: '123456789012',
        instanceId: '',
        pendingTime: '0001-01-01 00:00:00 +0000 UTC',
      });
    }
    const result = await go.discover(off.endpoint, home, REGION);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('404');
  });

  it('botocore IMDSRegionProvider gets the region from the zone, and None without a zone', async () => {
    expect(out(await BOTOCORE_REGION.discover(required.endpoint, home, REGION))).toEqual({ region: REGION });
    expect(out(await BOTOCORE_REGION.discover(noZone.endpoint, home, REGION))).toEqual({ region: null });
    expect(out(await BOTOCORE_REGION.discover(off.endpoint, home, REGION))).toEqual({ region: null });
  });

  it("JS v3 defaultsMode 'auto' finds the sidecar's region: in-region for it, cross-region for another", async () => {
    for (const sidecar of [required, noZone]) {
      expect(out(await JS_V3_REGION.discover(sidecar.endpoint, home, REGION))).toEqual({ mode: 'in-region' });
      expect(out(await JS_V3_REGION.discover(sidecar.endpoint, home, 'us-east-1'))).toEqual({
        mode: 'cross-region',
      });
    }
    expect(out(await JS_V3_REGION.discover(off.endpoint, home, REGION))).toEqual({ mode: 'standard' });
  });

  it('JS v2 AWS.MetadataService reads placement/region with a token', async () => {
    expect(out(await JS_V2_REGION.discover(required.endpoint, home, REGION))).toEqual({ region: REGION });
    expect((await JS_V2_REGION.discover(off.endpoint, home, REGION)).code).not.toBe(0);
  });
});
