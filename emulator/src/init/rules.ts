import { chainRules, parseIptablesSave, type SavedRuleset } from './iptables-save';

/** Our own chain in the nat table; everything we add lives in it, so a re-run can flush and refill it. */
export const CHAIN = 'IMDS_EMULATOR';

export type Family = 'ipv4' | 'ipv6';

/** The IMDS endpoints the AWS SDKs use (IPv4, and IPv6 with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6). */
export const IMDS_DESTINATION: Record<Family, string> = {
  ipv4: '169.254.169.254/32',
  ipv6: 'fd00:ec2::254/128',
};

/**
 * The redirect, spelled exactly as iptables-save prints it (both backends), so verification is a string compare.
 * REDIRECT in nat/OUTPUT rewrites the destination to 127.0.0.1 (IPv4) or ::1 (IPv6) and the packet is re-routed
 * over `lo`; no `route_localnet` is needed because the packet never arrives on a non-loopback interface.
 */
export function redirectRule(family: Family, port: number): string {
  return `-A ${CHAIN} -d ${IMDS_DESTINATION[family]} -p tcp -m tcp --dport 80 -j REDIRECT --to-ports ${port}`;
}

const JUMP = `-A OUTPUT -j ${CHAIN}`;

/**
 * Input for `iptables-restore --noflush`, applied as one transaction. Declaring the chain creates it or, if it
 * exists, empties it; every existing jump is deleted and one is inserted at position 1 of OUTPUT, so the redirect
 * is evaluated before any mesh's capture (Istio appends ISTIO_OUTPUT later) and any number of runs leaves exactly
 * one rule set. `existingJumps` comes from the current iptables-save output.
 */
export function restoreInput(family: Family, port: number, existingJumps: number): string {
  return [
    '*nat',
    `:${CHAIN} - [0:0]`,
    redirectRule(family, port),
    ...Array.from({ length: existingJumps }, () => `-D OUTPUT -j ${CHAIN}`),
    `-I OUTPUT 1 -j ${CHAIN}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** How many `-j IMDS_EMULATOR` jumps OUTPUT has now. */
export function countJumps(ruleset: SavedRuleset): number {
  return chainRules(ruleset, 'nat', 'OUTPUT').filter((rule) => rule === JUMP).length;
}

/**
 * Problems with the programmed rules, read back from `iptables-save -t nat`; empty when the redirect is in place:
 * exactly one jump, first in OUTPUT, and our chain holding exactly the redirect to `port`.
 */
export function verifyRules(saveOutput: string, family: Family, port: number): string[] {
  const ruleset = parseIptablesSave(saveOutput);
  const problems: string[] = [];
  const output = chainRules(ruleset, 'nat', 'OUTPUT');
  const jumps = output.filter((rule) => rule === JUMP).length;
  if (jumps !== 1) problems.push(`expected exactly one "${JUMP}" in nat OUTPUT, found ${jumps}`);
  else if (output[0] !== JUMP) problems.push(`"${JUMP}" is not the first rule of nat OUTPUT`);
  const ours = chainRules(ruleset, 'nat', CHAIN);
  const expected = redirectRule(family, port);
  if (ours.length !== 1 || ours[0] !== expected) {
    problems.push(`expected chain ${CHAIN} to hold only "${expected}", found ${JSON.stringify(ours)}`);
  }
  return problems;
}
