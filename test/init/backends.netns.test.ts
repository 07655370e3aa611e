import { createNetns, type TestNetns } from '../support/netns';
import { emulatorLines, httpGet, initOk, initSummary, natTable, runInit, startListener } from './harness';

const port = 16925;
/**
 * Runs the command with /run read-only, as in a container with `readOnlyRootFilesystem: true`, and a private
 * /dev/shm like every container gets (so nothing is left in the host's).
 */
const READ_ONLY_RUN = [
  'unshare',
  '-m',
  'sh',
  '-c',
  'mount -t tmpfs tmpfs /dev/shm && mount -t tmpfs -o ro tmpfs /run && exec "$@"',
  'read-only-run',
];

const v4Rules = [
  '-A OUTPUT -j IMDS_EMULATOR',
  `-A IMDS_EMULATOR -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports ${port}`,
];
const v6Rules = [
  '-A OUTPUT -j IMDS_EMULATOR',
  `-A IMDS_EMULATOR -d fd00:ec2::254/128 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports ${port}`,
];

/** Each case gets a fresh namespace, so what one backend left behind cannot steer the next detection. */
async function withNetns(body: (ns: TestNetns) => Promise<void>): Promise<void> {
  const ns = await createNetns({ prefix: 'imdsback' });
  try {
    await startListener(ns, port, 'sidecar');
    await body(ns);
  } finally {
    await ns.destroy();
  }
}

async function expectTraffic(ns: TestNetns): Promise<void> {
  for (const url of [
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
  ]) {
    expect(JSON.parse((await httpGet(ns, url)).body).name).toBe('sidecar');
  }
}

async function expectRulesOnlyIn(ns: TestNetns, backend: 'nft' | 'legacy'): Promise<void> {
  const other = backend === 'nft' ? 'legacy' : 'nft';
  expect(emulatorLines(await natTable(ns, `iptables-${backend}-save`))).toEqual(v4Rules);
  expect(emulatorLines(await natTable(ns, `ip6tables-${backend}-save`))).toEqual(v6Rules);
  expect(emulatorLines(await natTable(ns, `iptables-${other}-save`))).toEqual([]);
  expect(emulatorLines(await natTable(ns, `ip6tables-${other}-save`))).toEqual([]);
}

async function mustRun(ns: TestNetns, command: string, args: string[]): Promise<void> {
  const result = await ns.run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
}

/** An unrelated filter rule, as a CNI or mesh of that backend would leave in the pod's namespace. */
const acceptUdp = (ns: TestNetns, binary: string, dport: string) =>
  mustRun(ns, binary, ['-t', 'filter', '-A', 'OUTPUT', '-p', 'udp', '--dport', dport, '-j', 'ACCEPT']);

describe('imds-emulator init: iptables backends, for real in network namespaces', () => {
  it('works with --iptables-backend legacy and leaves nft untouched', () =>
    withNetns(async (ns) => {
      const result = await initOk(ns, ['--port', String(port), '--iptables-backend', 'legacy']);
      expect(initSummary(result)).toEqual({ backend: 'legacy', families: ['ipv4', 'ipv6'] });
      await expectTraffic(ns);
      await expectRulesOnlyIn(ns, 'legacy');
    }));

  it('auto-detects legacy when the namespace already has legacy rules, and stays there on re-runs', () =>
    withNetns(async (ns) => {
      // What a legacy-era CNI or mesh would have left in the pod's namespace.
      await acceptUdp(ns, 'iptables-legacy', '9');
      for (let run = 0; run < 3; run++) {
        expect(initSummary(await initOk(ns, ['--port', String(port)])).backend).toBe('legacy');
      }
      await expectTraffic(ns);
      await expectRulesOnlyIn(ns, 'legacy');
    }));

  it('auto-detects from a KUBE-IPTABLES-HINT chain even when the other backend has more rules', () =>
    withNetns(async (ns) => {
      await mustRun(ns, 'iptables-legacy', ['-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT']);
      for (const dport of ['9', '19']) {
        await acceptUdp(ns, 'iptables-nft', dport);
      }
      const result = await initOk(ns, ['--port', String(port)]);
      expect(initSummary(result).backend).toBe('legacy');
      expect(result.stdout).toMatch(/mixing backends can misroute traffic/);
      await expectTraffic(ns);
    }));

  it('auto-detects nft when the nft backend holds more rules than the legacy one', () =>
    withNetns(async (ns) => {
      await acceptUdp(ns, 'iptables-legacy', '9');
      for (const dport of ['9', '19']) {
        await acceptUdp(ns, 'ip6tables-nft', dport);
      }
      expect(initSummary(await initOk(ns, ['--port', String(port)])).backend).toBe('nft');
      await expectTraffic(ns);
      await expectRulesOnlyIn(ns, 'nft');
    }));

  it('works with legacy under a read-only root filesystem (its /run/xtables.lock moves elsewhere)', () =>
    withNetns(async (ns) => {
      const args = ['--port', String(port), '--iptables-backend', 'legacy'];
      // The lock file the user insists on cannot be created: the message says what to do.
      const stuck = await runInit(ns, args, {
        wrapper: READ_ONLY_RUN,
        env: { ...process.env, XTABLES_LOCKFILE: '/run/xtables.lock' },
      });
      expect(stuck.code).not.toBe(0);
      expect(stuck.stderr).toMatch(/cannot create its lock file: give the init container a writable \/run/);

      const result = await runInit(ns, args, { wrapper: READ_ONLY_RUN });
      expect(result.stderr).toBe('');
      expect(initSummary(result)).toEqual({ backend: 'legacy', families: ['ipv4', 'ipv6'] });
      await expectTraffic(ns);
      await expectRulesOnlyIn(ns, 'legacy');
    }));
});
