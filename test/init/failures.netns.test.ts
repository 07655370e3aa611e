import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, type TestNetns } from '../support/netns';
import {
  emulatorLines,
  httpGet,
  IPTABLES_TOOLS,
  initSummary,
  natTable,
  runInit,
  type StalledTool,
  stalledTool,
  startListener,
} from './harness';

const port = 16925;
const DROP_BOTH = ['setpriv', '--bounding-set', '-net_admin,-net_raw', '--'];
const DROP_RAW = ['setpriv', '--bounding-set', '-net_raw', '--'];
/** A non-root UID that still holds NET_ADMIN and NET_RAW (inherited and ambient, so they survive the exec). */
const NON_ROOT_WITH_CAPS = [
  'setpriv',
  '--reuid=65532',
  '--regid=65532',
  '--clear-groups',
  '--inh-caps=+net_admin,+net_raw',
  '--ambient-caps=+net_admin,+net_raw',
  '--',
];

describe('imds-emulator init: failures are clear and non-zero, for real in network namespaces', () => {
  let ns: TestNetns;
  let noIpv6: TestNetns;
  let ipv4ToolsOnly: string;
  let stalledRestore: StalledTool;

  beforeAll(async () => {
    [ns, noIpv6] = await Promise.all([
      createNetns({ prefix: 'imdsfail' }),
      createNetns({ prefix: 'imdsfail', ipv6: false }),
    ]);
    // A PATH with the IPv4 iptables tools but no ip6tables: an image built without IPv6 support.
    ipv4ToolsOnly = mkdtempSync(join(tmpdir(), 'imds-init-path-'));
    for (const tool of IPTABLES_TOOLS.filter((t) => t.startsWith('iptables-'))) {
      symlinkSync(execFileSync('which', [tool]).toString().trim(), join(ipv4ToolsOnly, tool));
    }
    stalledRestore = stalledTool('iptables-nft-restore');
  });
  afterAll(async () => {
    await Promise.all([ns?.destroy(), noIpv6?.destroy()]);
    if (ipv4ToolsOnly) rmSync(ipv4ToolsOnly, { recursive: true, force: true });
    stalledRestore?.remove();
  });

  it('as a non-root UID with NET_ADMIN and NET_RAW: says it must run as UID 0, before touching anything', async () => {
    const result = await runInit(ns, ['--port', String(port)], { wrapper: NON_ROOT_WITH_CAPS });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /init runs as UID 65532: the init container needs the NET_ADMIN and NET_RAW capabilities and must run as UID 0/,
    );
    expect(result.stderr).not.toMatch(/EACCES/);
    expect(emulatorLines(await natTable(ns, 'iptables-nft-save'))).toEqual([]);
  });

  it('with an iptables-restore that hangs: kills it and fails naming the tool and the timeout', async () => {
    const result = await runInit(ns, ['--port', String(port)], {
      env: { ...process.env, PATH: stalledRestore.path },
      timeoutMs: 60_000,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/iptables-nft-restore did not finish within 10 s and was killed/);
    // The stalled tool did run, and was killed (gone, or a zombie until its new parent reaps it).
    const pid = stalledRestore.pid();
    expect(pid).toBeGreaterThan(0);
    const stat = `/proc/${pid}/stat`;
    const state = existsSync(stat) ? readFileSync(stat, 'utf8').split(') ')[1]?.[0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  }, 90_000);

  it('without NET_ADMIN and NET_RAW: names the capabilities and programs nothing', async () => {
    for (const backend of ['auto', 'legacy']) {
      const result = await runInit(ns, ['--port', String(port), '--iptables-backend', backend], {
        wrapper: DROP_BOTH,
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        /permission denied: the init container needs the NET_ADMIN and NET_RAW capabilities/,
      );
    }
    expect(emulatorLines(await natTable(ns, 'iptables-nft-save'))).toEqual([]);
  });

  it('needs NET_RAW only for the legacy backend (nft is programmed over netlink with NET_ADMIN alone)', async () => {
    const legacy = await runInit(ns, ['--port', String(port), '--iptables-backend', 'legacy'], {
      wrapper: DROP_RAW,
    });
    expect(legacy.code).not.toBe(0);
    expect(legacy.stderr).toMatch(/iptables-legacy-save: permission denied: .*NET_RAW/);

    // Auto mode reads /proc/net/ip_tables_names instead of running iptables-legacy-save when legacy is unused.
    const nft = await runInit(ns, ['--port', String(port)], { wrapper: DROP_RAW });
    expect(nft.code).toBe(0);
    expect(initSummary(nft)).toEqual({ backend: 'nft', families: ['ipv4', 'ipv6'] });
  });

  it('without iptables on PATH: names the missing binary', async () => {
    const result = await runInit(ns, ['--port', String(port)], {
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/iptables-nft-save not found on PATH: the init image must ship iptables/);
  });

  it('without ip6tables: fails with --ipv6 on, redirects IPv4 only with --ipv6 auto', async () => {
    const env = { ...process.env, PATH: ipv4ToolsOnly };
    const on = await runInit(ns, ['--port', String(port), '--ipv6', 'on'], { env });
    expect(on.code).not.toBe(0);
    expect(on.stderr).toMatch(/ip6tables-nft-save not found on PATH/);

    const auto = await runInit(ns, ['--port', String(port)], { env });
    expect(auto.code).toBe(0);
    expect(initSummary(auto).families).toEqual(['ipv4']);
    expect(auto.stdout).toMatch(/IPv6 redirect skipped: ip6tables is unavailable/);
  });

  it('in a namespace with IPv6 disabled: --ipv6 on fails, auto and off redirect IPv4 only', async () => {
    await startListener(noIpv6, port, 'sidecar', ['127.0.0.1']);
    const on = await runInit(noIpv6, ['--port', String(port), '--ipv6', 'on']);
    expect(on.code).not.toBe(0);
    expect(on.stderr).toMatch(/--ipv6 on, but this network namespace has no IPv6 loopback address/);

    for (const mode of ['auto', 'off']) {
      const result = await runInit(noIpv6, ['--port', String(port), '--ipv6', mode]);
      expect(result.code).toBe(0);
      expect(initSummary(result).families).toEqual(['ipv4']);
    }
    expect(emulatorLines(await natTable(noIpv6, 'ip6tables-nft-save'))).toEqual([]);
    expect(JSON.parse((await httpGet(noIpv6, 'http://169.254.169.254/')).body).name).toBe('sidecar');
  });

  it('rejects bad flag and environment values before touching iptables', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--port', '0'], {}, /--port \(IMDS_EMULATOR_PORT\): must be a whole number from 1 to 65535, got "0"/],
      [[], { IMDS_EMULATOR_PORT: 'http' }, /--port \(IMDS_EMULATOR_PORT\): .*got "http"/],
      [
        ['--iptables-backend', 'iptables'],
        {},
        /--iptables-backend \(IMDS_EMULATOR_IPTABLES_BACKEND\): must be one of auto, nft, legacy/,
      ],
      [[], { IMDS_EMULATOR_IPV6: 'yes' }, /--ipv6 \(IMDS_EMULATOR_IPV6\): must be one of auto, on, off/],
    ];
    for (const [args, env, message] of cases) {
      const result = await runInit(ns, args, { env: { ...process.env, ...env } });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});
