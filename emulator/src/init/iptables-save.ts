/**
 * Parser for `iptables-save` / `ip6tables-save` output (both backends print the same format). Pure: no I/O.
 */

export interface SavedTable {
  /** Chain names declared in the table (`:NAME POLICY [counters]`), built-in and user-defined. */
  readonly chains: readonly string[];
  /** Rules in order, as printed: `-A CHAIN ...`. */
  readonly rules: readonly string[];
}

/** Table name (`nat`, `filter`, ...) → its chains and rules. */
export type SavedRuleset = ReadonlyMap<string, SavedTable>;

export function parseIptablesSave(text: string): SavedRuleset {
  const tables = new Map<string, { chains: string[]; rules: string[] }>();
  let current: { chains: string[]; rules: string[] } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    // Comments carry the generator banner and iptables-nft's "legacy tables present" warning.
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      current = { chains: [], rules: [] };
      tables.set(line.slice(1), current);
    } else if (line === 'COMMIT') {
      current = undefined;
    } else if (current && line.startsWith(':')) {
      current.chains.push(line.slice(1).split(/\s+/)[0]);
    } else if (current && line.startsWith('-A ')) {
      current.rules.push(line);
    }
  }
  return tables;
}

/** Number of rules over all tables: the measure of how much a backend is in use. */
export function countRules(ruleset: SavedRuleset): number {
  let n = 0;
  for (const table of ruleset.values()) n += table.rules.length;
  return n;
}

/** Whether any table declares `chain`. */
export function hasChain(ruleset: SavedRuleset, chain: string): boolean {
  for (const table of ruleset.values()) if (table.chains.includes(chain)) return true;
  return false;
}

/** Rules of one chain in one table, in order. */
export function chainRules(ruleset: SavedRuleset, table: string, chain: string): string[] {
  const prefix = `-A ${chain} `;
  return (ruleset.get(table)?.rules ?? []).filter(
    (rule) => rule.startsWith(prefix) || rule === `-A ${chain}`,
  );
}
