import { createNetns, POD_IPV4, POD_IPV6, type TestNetns } from '../support/netns';
import { emulatorLines, httpGet, initOk, natTable, outputRules, startListener } from './harness';

// Real iptables (nft backend, the machine default) in a throw-away network namespace; needs root.
describe('imds-emulator init: the redirect, for real in a network namespace', () => {
  const port = 16925;
  let ns: TestNetns;

  beforeAll(async () => {
    ns = await createNetns({ prefix: 'imdsinit' });
    await startListener(ns, port, 'sidecar');
  });
  afterAll(() => ns?.destroy());

  it('cannot reach the IMDS addresses before init (nothing listens outside the namespace)', async () => {
    // The unassigned gateway never answers ARP: the connection times out (or fails with EHOSTUNREACH).
    await expect(httpGet(ns, 'http://169.254.169.254/latest/meta-data/', 500)).rejects.toThrow(/failed/);
  });

  it('delivers TCP to 169.254.169.254:80 to the listener on 127.0.0.1, without route_localnet', async () => {
    await initOk(ns, ['--port', String(port)]);
    const answer = await httpGet(ns, 'http://169.254.169.254/latest/meta-data/iam/security-credentials/');
    expect(answer.status).toBe(200);
    // REDIRECT in OUTPUT keeps the source address the route chose: the sidecar sees the pod IP, not 127.0.0.1.
    expect(JSON.parse(answer.body)).toEqual({
      name: 'sidecar',
      local: '127.0.0.1',
      remote: POD_IPV4,
      url: '/latest/meta-data/iam/security-credentials/',
    });
    const routeLocalnet = await ns.run('cat', ['/proc/sys/net/ipv4/conf/all/route_localnet']);
    expect(routeLocalnet.stdout.trim()).toBe('0');
  });

  it('delivers TCP to [fd00:ec2::254]:80 to the listener on ::1', async () => {
    const answer = await httpGet(ns, 'http://[fd00:ec2::254]/latest/api/token');
    expect(JSON.parse(answer.body)).toEqual({
      name: 'sidecar',
      local: '::1',
      remote: POD_IPV6,
      url: '/latest/api/token',
    });
  });

  it('leaves exactly one rule set, first in OUTPUT, after three runs', async () => {
    await initOk(ns, ['--port', String(port)]);
    await initOk(ns, ['--port', String(port)]);
    for (const [tool, destination] of [
      ['iptables-nft-save', '169.254.169.254/32'],
      ['ip6tables-nft-save', 'fd00:ec2::254/128'],
    ]) {
      const save = await natTable(ns, tool);
      expect(emulatorLines(save)).toEqual([
        '-A OUTPUT -j IMDS_EMULATOR',
        `-A IMDS_EMULATOR -d ${destination} -p tcp -m tcp --dport 80 -j REDIRECT --to-ports ${port}`,
      ]);
      expect(outputRules(save)[0]).toBe('-A OUTPUT -j IMDS_EMULATOR');
    }
    // No rules leaked into the legacy backend.
    expect((await ns.run('cat', ['/proc/net/ip_tables_names'])).stdout.trim()).toBe('');
  });

  it('keeps IMDS traffic away from an Istio-style OUTPUT capture added before or after it', async () => {
    await startListener(ns, 15001, 'mesh');
    for (const tool of ['iptables-nft', 'ip6tables-nft']) {
      // Before: a mesh that captured the namespace first; after: a mesh init container that runs later.
      const capture = [
        '-t',
        'nat',
        '-I',
        'OUTPUT',
        '1',
        '-p',
        'tcp',
        '-j',
        'REDIRECT',
        '--to-ports',
        '15001',
      ];
      expect((await ns.run(tool, capture)).code).toBe(0);
    }
    // The capture is real: other traffic now lands on the mesh's port.
    expect(JSON.parse((await httpGet(ns, 'http://10.200.0.99/')).body).name).toBe('mesh');

    await initOk(ns, ['--port', String(port)]);
    for (const tool of ['iptables-nft', 'ip6tables-nft']) {
      const append = ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', '15001'];
      expect((await ns.run(tool, append)).code).toBe(0);
    }
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest/meta-data/',
    ]) {
      expect(JSON.parse((await httpGet(ns, url)).body).name).toBe('sidecar');
    }
    expect(outputRules(await natTable(ns, 'iptables-nft-save'))).toEqual([
      '-A OUTPUT -j IMDS_EMULATOR',
      '-A OUTPUT -p tcp -j REDIRECT --to-ports 15001',
      '-A OUTPUT -p tcp -j REDIRECT --to-ports 15001',
    ]);
  });

  it('replaces the rule when re-run with another port given by environment variable', async () => {
    const other = 17925;
    await startListener(ns, other, 'moved');
    const result = await ns.run(
      process.execPath,
      [require.resolve('../../emulator/bin/imds-emulator.js'), 'init'],
      {
        env: { ...process.env, IMDS_EMULATOR_PORT: String(other) },
      },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse((await httpGet(ns, 'http://169.254.169.254/')).body).name).toBe('moved');
    expect(emulatorLines(await natTable(ns, 'iptables-nft-save'))).toEqual([
      '-A OUTPUT -j IMDS_EMULATOR',
      `-A IMDS_EMULATOR -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports ${other}`,
    ]);
  });
});
