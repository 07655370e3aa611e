/** `imds-emulator check`: is this pod's emulator healthy? Run inside an opted-in pod; exit 0 only if all passed. */
import { readFileSync } from 'node:fs';
import { CHECK_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { parseFlags, type RawFlags, withFlags } from '../common/flags';
import { regionOf } from '../common/region';
import { hasIpv6Loopback } from '../init/ipv6';
import { exitCode } from './checks';
import { humanReport, jsonReport } from './report';
import { type CheckOptions, runChecks } from './run';

function podHasIpv6(): boolean {
  try {
    return hasIpv6Loopback(readFileSync('/proc/net/if_inet6', 'utf8'));
  } catch {
    return false;
  }
}

/** Whether to check the IPv6 address: as the init step decides whether to redirect it. */
function ipv6(mode: 'auto' | 'on' | 'off', endpoint: string): CheckOptions['ipv6'] {
  if (mode === 'off') return { skipped: 'off (--ipv6 off)' };
  if (mode === 'auto' && !podHasIpv6())
    return { skipped: 'the pod has no IPv6, so the init step redirects none' };
  return { endpoint };
}

async function run(raw: RawFlags): Promise<void> {
  const flags = parseFlags(CHECK_FLAGS, raw);
  const results = await runChecks({
    endpoint: flags.endpoint,
    ipv6: ipv6(flags.ipv6, flags.ipv6Endpoint),
    httpTokens: flags.httpTokens,
    sts: flags.sts,
    region: regionOf(CHECK_FLAGS.region, flags.region, process.env),
    now: Date.now,
  });
  process.stdout.write(flags.json ? jsonReport(results) : humanReport(results));
  process.exitCode = exitCode(results);
}

export function checkCommand(): Command {
  const command = new Command('check').description(
    "Check this pod's IMDS emulator: redirect, IMDSv2/v1, role, credentials and their expiry, and (--sts) STS.",
  );
  return withFlags(command, CHECK_FLAGS, run);
}
