import { createNetns, type TestNetns } from '../support/netns';
import { emulatorLines, httpGet, initOk, initSummary, natTable, startListener } from './harness';

const port = 16925;
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
      await mustRun(ns, 'iptables-legacy', [
        '-t',
        'filter',
        '-A',
        'OUTPUT',
        '-p',
        'udp',
        '--dport',
        '9',
        '-j',
        'ACCEPT',
      ]);
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
        await mustRun(ns, 'iptables-nft', [
          '-t',
          'filter',
          '-A',
          'OUTPUT',
          '-p',
          'udp',
          '--dport',
          dport,
          '-j',
          'ACCEPT',
        ]);
      }
      const result = await initOk(ns, ['--port', String(port)]);
      expect(initSummary(result).backend).toBe('legacy');
      expect(result.stdout).toMatch(/mixing backends can misroute traffic/);
      await expectTraffic(ns);
    }));

  it('auto-detects nft when the nft backend holds more rules than the legacy one', () =>
    withNetns(async (ns) => {
      await mustRun(ns, 'iptables-legacy', [
        '-t',
        'filter',
        '-A',
        'OUTPUT',
        '-p',
        'udp',
        '--dport',
        '9',
        '-j',
        'ACCEPT',
      ]);
      for (const dport of ['9', '19']) {
        await mustRun(ns, 'ip6tables-nft', [
          '-t',
          'filter',
          '-A',
          'OUTPUT',
          '-p',
          'udp',
          '--dport',
          dport,
          '-j',
          'ACCEPT',
        ]);
      }
      expect(initSummary(await initOk(ns, ['--port', String(port)])).backend).toBe('nft');
      await expectTraffic(ns);
      await expectRulesOnlyIn(ns, 'nft');
    }));
});
