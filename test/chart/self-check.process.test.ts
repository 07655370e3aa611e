/**
 * The command of the chart's `helm test` pod, as Helm renders it, run as a process (emulator/bin) against a real
 * sidecar on loopback whose credentials come from a real STS (moto). Only `--endpoint` is added: in the pod the
 * init step's redirect takes 169.254.169.254 to the sidecar (the podman e2e covers that), here the test points the
 * check at it. So the rendered flags are the ones the check accepts, and they decide its verdict.
 */
import { runCli as run } from '../check/process';
import { ROLE_ARN, startTestSidecar, type TempDir, type TestSidecar, tempDir } from '../sidecar/harness';
import { type RunningMoto, startMoto } from '../support/moto';
import { cleanup, helmTemplate, type Obj } from './support';

/** The rendered test pod's container args for these sidecar defaults. */
async function renderedArgs(stsEndpoint: string, httpTokens: string): Promise<string[]> {
  const objects = await helmTemplate('helm3', 'imds-emulator', 'platform', {
    test: { enabled: true, roleArn: ROLE_ARN, namespace: 'apps', stsEndpoint },
    sidecar: { httpTokens },
  });
  const pod = objects.find((o: Obj) => o.metadata?.annotations?.['helm.sh/hook'] === 'test');
  return pod.spec.containers[0].args;
}

describe('the helm test pod command against a real sidecar and STS', () => {
  let moto: RunningMoto;
  let dir: TempDir;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    dir = tempDir();
    dir.writeToken();
    moto = await startMoto();
    sidecar = await startTestSidecar({ 'token-file': dir.tokenFile, 'sts-endpoint': moto.endpoint });
    await sidecar.sidecar.ready;
  }, 120_000);

  afterAll(async () => {
    await sidecar?.stop();
    await moto?.stop();
    dir?.remove();
    cleanup();
  });

  it('passes every check, the STS call included, and exits 0', async () => {
    const args = await renderedArgs(moto.endpoint, 'optional');
    expect(args[0]).toBe('check');
    expect(args).toContain(`--sts=${moto.endpoint}`);
    const { code, stdout } = await run([...args, '--endpoint', sidecar.endpoint, '--ipv6', 'off']);
    expect(stdout).toMatch(/^ok +sts: signed as arn:aws:sts::123456789012:assumed-role\/app-role\//m);
    expect(stdout.trim().split('\n').pop()).toBe('all checks passed');
    expect(code).toBe(0);
  });

  it('fails (exit 1) when the chart says IMDSv1 is refused but the sidecar serves it', async () => {
    const args = await renderedArgs(moto.endpoint, 'required');
    const { code, stdout } = await run([...args, '--endpoint', sidecar.endpoint, '--ipv6', 'off']);
    expect(stdout).toMatch(/^FAIL imdsv1: /m);
    expect(code).toBe(1);
  });
});
