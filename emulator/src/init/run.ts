import type { Logger } from '../common/logger';
import { type Backend, type BackendRequest, type BackendUsage, chooseBackend, usageOf } from './backend';
import { InitError, notRoot } from './errors';
import { legacyTablesPresent, readInet6Addresses, restore, save } from './iptables';
import { parseIptablesSave, type SavedRuleset } from './iptables-save';
import { type Ipv6Mode, ipv6Enabled } from './ipv6';
import { countJumps, type Family, redirectRule, restoreInput, verifyRules } from './rules';

export interface InitOptions {
  /** The sidecar's IMDS port on loopback. */
  readonly port: number;
  readonly iptablesBackend: BackendRequest;
  readonly ipv6: Ipv6Mode;
}

export interface InitResult {
  readonly backend: Backend;
  readonly families: readonly Family[];
}

/**
 * Programs this network namespace so TCP to the IMDS addresses reaches the sidecar on loopback, then reads the
 * rules back and throws an InitError unless they are exactly what was intended.
 */
export async function runInit(options: InitOptions, log: Logger): Promise<InitResult> {
  // Checked first: capabilities without UID 0 fail later with a bare EACCES on /proc/net/ip_tables_names.
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) throw new InitError(notRoot(uid));
  const wanted: Family[] = ipv6Enabled(options.ipv6, await readInet6Addresses())
    ? ['ipv4', 'ipv6']
    : ['ipv4'];
  // In auto mode an IPv6 failure only drops the IPv6 redirect; with --ipv6 on it is fatal like IPv4.
  const optional = (family: Family) => family === 'ipv6' && options.ipv6 === 'auto';

  const request = options.iptablesBackend;
  const usage = async (backend: Backend): Promise<BackendUsage> => {
    // Under an explicit request the other backend only feeds a warning: failing to read it is not an error.
    const tolerant = request !== 'auto' && request !== backend;
    const rulesets: SavedRuleset[] = [];
    for (const family of wanted) {
      try {
        rulesets.push(await probe(backend, family));
      } catch (err) {
        if (!(tolerant || optional(family))) throw err;
      }
    }
    return usageOf(rulesets);
  };
  const choice = chooseBackend(request, await usage('nft'), await usage('legacy'));
  log.info({ backend: choice.backend, reason: choice.reason }, 'iptables backend chosen');
  if (choice.warning) log.warn(choice.warning);

  const families: Family[] = [];
  for (const family of wanted) {
    let problems: string[];
    try {
      problems = await program(family, choice.backend, options.port);
    } catch (err) {
      if (!(optional(family) && err instanceof InitError)) throw err;
      log.warn({ family, error: err.message }, 'IPv6 redirect skipped: ip6tables is unavailable');
      continue;
    }
    if (problems.length > 0) {
      throw new InitError(
        `the ${family} redirect is not in place after programming (${choice.backend} backend): ${problems.join('; ')}`,
      );
    }
    log.info({ family, rule: redirectRule(family, options.port) }, 'redirect in place');
    families.push(family);
  }
  return { backend: choice.backend, families };
}

/** A backend's current rules; a legacy backend the namespace never used is empty without running its tools. */
async function probe(backend: Backend, family: Family): Promise<SavedRuleset> {
  if (backend === 'legacy' && !(await legacyTablesPresent(family))) return new Map();
  return parseIptablesSave(await save(family, backend));
}

/** Applies the rule set in one `--noflush` transaction and returns what verification found wrong. */
async function program(family: Family, backend: Backend, port: number): Promise<string[]> {
  const before = parseIptablesSave(await save(family, backend, 'nat'));
  await restore(family, backend, restoreInput(family, port, countJumps(before)));
  return verifyRules(await save(family, backend, 'nat'), family, port);
}
