/**
 * emulator/Dockerfile builds without a daemon (rootful `podman build`, runc, cgroupfs) on a locally made Debian base,
 * and its image passes the same smoke check as the `npm run image` one. Needs root, podman, mmdebstrap.
 */
import { podmanTry } from '../e2e/support/podman';
import { buildDockerfile, imageSize, importDebianBase, timed, versionsEnv } from './support/builds';
import { expectEntrypoint, expectHelpAnswers, expectSidecarCredentials } from './support/smoke';

const RUN = process.pid.toString(36);
const BASE = `localhost/imds-emulator-debian-base:test-${RUN}`;
const IMAGE = `localhost/imds-emulator:dockerfile-${RUN}`;

beforeAll(async () => {
  await timed('Dockerfile: debian base (debian-base.sh, cached) + import', () => importDebianBase(BASE));
  await timed('Dockerfile: podman build', () => buildDockerfile(IMAGE, BASE));
  process.stdout.write(`image: Dockerfile image size ${((await imageSize(IMAGE)) / 1e6).toFixed(1)} MB\n`);
}, 2400000);

afterAll(async () => {
  for (const image of [IMAGE, BASE]) await podmanTry(['rmi', '-f', image]);
}, 120000);

describe('the image emulator/Dockerfile builds', () => {
  it('starts through the ENTRYPOINT of emulator/image/entrypoint.json', () => expectEntrypoint(IMAGE));

  it("answers every command's --help", () => expectHelpAnswers(IMAGE));

  it('runs Node >= 20.16 (the image ships versions.env NODE_VERSION, not Debian nodejs)', async () => {
    const run = await podmanTry([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      '/usr/local/bin/node',
      IMAGE,
      '--version',
    ]);
    expect(run.stdout.trim()).toBe(`v${versionsEnv().NODE_VERSION}`);
  });

  it('serves moto-issued credentials from its sidecar to the AWS SDK', () => expectSidecarCredentials(IMAGE));
});
