import { INIT_FLAGS } from '@imds-emulator/contract';
import { parseFlags } from '../../emulator/src/common/flags';
import { describeToolFailure, missingTool } from '../../emulator/src/init/errors';
import { hasIpv6Loopback, ipv6Enabled } from '../../emulator/src/init/ipv6';

describe('iptables failure messages', () => {
  it('names the capabilities for the permission errors of both backends', () => {
    for (const stderr of [
      'iptables-nft-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
      'iptables-save v1.8.9 (legacy): Cannot initialize: Permission denied (you must be root)',
    ]) {
      expect(describeToolFailure('iptables-nft-save', 4, stderr)).toMatch(/needs the NET_ADMIN and NET_RAW/);
    }
  });

  it('points at kernel modules when the nat table is missing', () => {
    const stderr =
      "iptables v1.8.9 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)";
    expect(describeToolFailure('iptables-legacy-restore', 3, stderr)).toMatch(
      /no usable nat table.*--iptables-backend/,
    );
  });

  it('explains an unwritable lock file (read-only root filesystem) before anything else', () => {
    const stderr = "Fatal: can't open lock file /run/xtables.lock: Permission denied";
    expect(describeToolFailure('iptables-legacy-restore', 4, stderr)).toMatch(
      /cannot create its lock file: give the init container a writable \/run .* XTABLES_LOCKFILE/,
    );
  });

  it('quotes other errors with the exit code', () => {
    expect(describeToolFailure('iptables-nft-restore', 2, 'Error occurred at line: 3\n')).toBe(
      'iptables-nft-restore failed (exit 2): Error occurred at line: 3',
    );
  });

  it('says which binary is missing and what to install', () => {
    expect(missingTool('ip6tables-nft-save')).toMatch(/^ip6tables-nft-save not found on PATH: .*"iptables"/);
  });
});

const inet6 = (...addresses: string[]) => addresses.map((a) => `${a} 01 80 10 80       lo`).join('\n');

describe('IPv6 mode', () => {
  const loopback = inet6('00000000000000000000000000000001');
  const noLoopback = inet6('fe800000000000000000000000000001');

  it('finds ::1 in /proc/net/if_inet6', () => {
    expect(hasIpv6Loopback(loopback)).toBe(true);
    expect(hasIpv6Loopback(noLoopback)).toBe(false);
    expect(hasIpv6Loopback('')).toBe(false);
  });

  it('auto follows the namespace; off never; on insists', () => {
    expect(ipv6Enabled('auto', loopback)).toBe(true);
    expect(ipv6Enabled('auto', '')).toBe(false);
    expect(ipv6Enabled('off', loopback)).toBe(false);
    expect(ipv6Enabled('on', loopback)).toBe(true);
    expect(() => ipv6Enabled('on', noLoopback)).toThrow(
      /--ipv6 on, but this network namespace has no IPv6 loopback/,
    );
  });
});

describe('init flags', () => {
  it('default to port 16925, backend auto and IPv6 auto', () => {
    expect(parseFlags(INIT_FLAGS, {})).toEqual({ port: 16925, iptablesBackend: 'auto', ipv6: 'auto' });
    expect(parseFlags(INIT_FLAGS, { port: '1', 'iptables-backend': 'nft', ipv6: 'off' })).toEqual({
      port: 1,
      iptablesBackend: 'nft',
      ipv6: 'off',
    });
  });

  it('reject a bad value naming the flag and its environment variable', () => {
    for (const bad of ['0', '65536', '-1', '12.5', 'abc']) {
      expect(() => parseFlags(INIT_FLAGS, { port: bad })).toThrow(
        `--port (IMDS_EMULATOR_PORT): must be a whole number from 1 to 65535, got "${bad}"`,
      );
    }
    expect(() => parseFlags(INIT_FLAGS, { 'iptables-backend': 'ebpf' })).toThrow(
      '--iptables-backend (IMDS_EMULATOR_IPTABLES_BACKEND): must be one of auto, nft, legacy, got "ebpf"',
    );
    expect(() => parseFlags(INIT_FLAGS, { ipv6: 'yes' })).toThrow(
      '--ipv6 (IMDS_EMULATOR_IPV6): must be one of auto, on, off, got "yes"',
    );
  });
});
