import { countRules, hasChain, type SavedRuleset } from './iptables-save';

export type Backend = 'nft' | 'legacy';
export type BackendRequest = Backend | 'auto';

/**
 * Canary chains kubelet and kube-proxy create in the backend the node uses (kubernetes-sigs/iptables-wrappers
 * decides the same way). In a pod's namespace they are rare, but a CNI or mesh that copies the convention wins.
 */
export const HINT_CHAINS = ['KUBE-IPTABLES-HINT', 'KUBE-KUBELET-CANARY'];

/** What one backend already holds in the namespace, IPv4 and IPv6 tables together. */
export interface BackendUsage {
  readonly rules: number;
  readonly hint: boolean;
}

export function usageOf(rulesets: readonly SavedRuleset[]): BackendUsage {
  return {
    rules: rulesets.reduce((n, r) => n + countRules(r), 0),
    hint: rulesets.some((r) => HINT_CHAINS.some((chain) => hasChain(r, chain))),
  };
}

export interface BackendChoice {
  readonly backend: Backend;
  readonly reason: string;
  /** Set when the namespace already has rules in the backend we did not choose. */
  readonly warning?: string;
}

/**
 * Picks the backend whose rules the namespace already uses, because rules split across iptables-legacy and
 * iptables-nft are both evaluated and can silently blackhole traffic. Order: explicit request; a hint chain;
 * the backend with more rules; nft when the namespace is empty (the default of current distributions).
 */
export function chooseBackend(
  request: BackendRequest,
  nft: BackendUsage,
  legacy: BackendUsage,
): BackendChoice {
  const pick = (backend: Backend, reason: string): BackendChoice => {
    const other = backend === 'nft' ? legacy : nft;
    const otherName = backend === 'nft' ? 'legacy' : 'nft';
    return other.rules > 0
      ? {
          backend,
          reason,
          warning: `the namespace also has ${other.rules} rule(s) in the ${otherName} backend; mixing backends can misroute traffic`,
        }
      : { backend, reason };
  };
  if (request !== 'auto') return pick(request, 'requested with --iptables-backend');
  if (nft.hint) return pick('nft', `found ${HINT_CHAINS.join('/')} in the nft backend`);
  if (legacy.hint) return pick('legacy', `found ${HINT_CHAINS.join('/')} in the legacy backend`);
  if (legacy.rules > nft.rules) {
    return pick('legacy', `the legacy backend holds more rules (${legacy.rules} vs ${nft.rules})`);
  }
  if (nft.rules > 0) return pick('nft', `the nft backend holds more rules (${nft.rules} vs ${legacy.rules})`);
  return pick('nft', 'no existing rules in either backend; nft is the default');
}
