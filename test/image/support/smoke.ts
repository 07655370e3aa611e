/**
 * The smoke check every built image passes, whichever build made it (`npm run image` per architecture, or
 * emulator/Dockerfile): its ENTRYPOINT, each command's --help, and a sidecar from the image serving credentials that moto's
 * AssumeRoleWithWebIdentity issued, fetched over IMDS by the AWS SDK for JavaScript v3. The sidecar container joins
 * a test network namespace where moto listens on loopback; nothing leaves it.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ENTRYPOINT from '../../../emulator/image/entrypoint.json';
import { podman, podmanTry } from '../../e2e/support/podman';
import { serviceAccountJwt } from '../../support/jwt';
import { type RunningMoto, startMoto } from '../../support/moto';
import { createNetns } from '../../support/netns';

export const COMMANDS = ['sidecar', 'webhook', 'init'] as const;
const JS_CLIENT = resolve(__dirname, '../../e2e/clients/js_client.js');
const ROLE = 'image-smoke';

/** The image's configured ENTRYPOINT is emulator/image/entrypoint.json: Node with its flags, then the CLI. */
export async function expectEntrypoint(image: string): Promise<void> {
  const config = await podman(['image', 'inspect', image, '--format', '{{json .Config.Entrypoint}}']);
  expect(JSON.parse(config)).toEqual(ENTRYPOINT);
}

/** `<image> [command] --help` for the top level and each command: each exits 0 with that command's usage. */
export async function expectHelpAnswers(image: string): Promise<void> {
  for (const args of [['--help'], ...COMMANDS.map((command) => [command, '--help'])]) {
    const run = await podmanTry(['run', '--rm', '--network', 'none', image, ...args], 300000);
    expect({ args, code: run.code }).toEqual({ args, code: 0 });
    expect(run.stdout).toContain(`Usage: imds-emulator ${args.length > 1 ? args[0] : ''}`.trimEnd());
  }
}

interface SidecarCredentials {
  readonly accessKeyId: string;
  /** What moto's GetCallerIdentity says of the credentials. */
  readonly arn: string;
}

/**
 * Runs `<image> sidecar` against moto in a test namespace and has the JS SDK fetch and use its credentials: an
 * STS-issued key, and moto names the role session the sidecar assumed with the pod's token.
 */
export async function expectSidecarCredentials(image: string): Promise<void> {
  const { accessKeyId, arn } = await sidecarCredentials(image);
  expect(accessKeyId).toMatch(/^ASIA/);
  expect(arn).toMatch(new RegExp(`^arn:aws:sts::123456789012:assumed-role/${ROLE}/smoke\\.smoke-pod$`));
}

async function sidecarCredentials(image: string): Promise<SidecarCredentials> {
  const work = mkdtempSync(join(tmpdir(), 'imds-image-smoke-'));
  const netns = await createNetns({ prefix: 'imdsimg' });
  const container = `imds-image-smoke-${process.pid}-${Date.now().toString(36)}`;
  let moto: RunningMoto | undefined;
  try {
    moto = await startMoto({ netns: netns.name, port: 5000 });
    // Readable by the sidecar's UID 65532, as the kubelet makes a projected token.
    const tokenDir = join(work, 'token');
    mkdirSync(tokenDir, { mode: 0o755 });
    writeFileSync(
      join(tokenDir, 'token'),
      serviceAccountJwt({ namespace: 'smoke', serviceAccount: 'smoke' }),
    );
    chmodSync(join(tokenDir, 'token'), 0o644);
    await podman([
      ...['run', '-d', '--name', container, '--network', `ns:/run/netns/${netns.name}`],
      ...['-v', `${tokenDir}:/var/run/secrets/imds-emulator:ro`, image, 'sidecar'],
      ...['--role-arn', `arn:aws:iam::123456789012:role/${ROLE}`, '--sts-endpoint', moto.endpoint],
      ...['--pod-namespace', 'smoke', '--pod-name', 'smoke-pod'],
    ]);
    const ready = await netns.run(process.execPath, [
      '-e',
      // Bounded: up to 120 s (an emulated arm64 Node starts slowly), then the container's log explains.
      `const until = Date.now() + 120000;
       const poll = () => fetch('http://127.0.0.1:16926/readyz').then((r) => r.ok, () => false).then((ok) =>
         ok ? process.exit(0) : Date.now() > until ? process.exit(1) : setTimeout(poll, 500));
       poll();`,
    ]);
    if (ready.code !== 0) {
      throw new Error(
        `sidecar not ready within 120 s; its log:\n${(await podmanTry(['logs', container])).stderr}`,
      );
    }
    // A clean environment: no host credentials or config files, so the SDK's default chain ends at IMDS.
    const client = await netns.run(process.execPath, [JS_CLIENT, moto.endpoint, 'us-east-1'], {
      env: {
        PATH: process.env.PATH,
        HOME: work,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:16925',
      },
    });
    if (client.code !== 0) throw new Error(`js client failed: ${client.stderr}`);
    return JSON.parse(client.stdout) as SidecarCredentials;
  } finally {
    await podmanTry(['rm', '-f', '-t', '0', container]);
    await moto?.stop();
    await netns.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}
