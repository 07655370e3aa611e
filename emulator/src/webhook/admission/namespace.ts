/** Rules that depend on the pod's namespace: its Pod Security level and its allowed-role-arns policy. */
import type { NamespaceInfo } from './index';
import {
  ALLOWED_ROLES_NS_ANNOTATION,
  PSA_ENFORCE_LABEL,
  PSA_EXEMPT_NS_ANNOTATION,
  REDIRECT_ANNOTATION,
} from './keys';
import type { Redirect } from './options';

type GlobToken = '**' | '*' | '?' | { literal: string };

function tokenize(glob: string): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**', i)) {
      tokens.push('**');
      i++;
    } else if (glob[i] === '*' || glob[i] === '?') tokens.push(glob[i] as '*' | '?');
    else tokens.push({ literal: glob[i] });
  }
  return tokens;
}

/**
 * Glob over a whole ARN: `*` matches any run of characters except `/` (so it stays inside one IAM path segment or the
 * name), `**` matches anything including `/`, `?` one character except `/`; everything else is literal. Matched by
 * dynamic programming (time linear in pattern × ARN) rather than a regular expression, so a namespace annotation
 * full of stars cannot make a review backtrack for seconds.
 */
export function globMatches(glob: string, text: string): boolean {
  // matched[j]: the tokens so far match text.slice(0, j).
  let matched = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (const token of tokenize(glob)) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    let open = false; // for stars: some earlier position matched and the star can stretch to j
    for (let j = 0; j <= text.length; j++) {
      const previous = j > 0 ? text[j - 1] : '';
      if (token === '**') open = open || matched[j];
      else if (token === '*') open = (open && previous !== '/') || matched[j];
      if (token === '**' || token === '*') next[j] = open;
      else if (j > 0 && matched[j - 1]) {
        next[j] = token === '?' ? previous !== '/' : previous === token.literal;
      }
    }
    matched = next;
  }
  return matched[text.length];
}

export function allowedRolePatterns(annotation: string): string[] {
  return annotation
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/** PSA levels whose capability rules reject `NET_ADMIN`/`NET_RAW` (and `restricted` also a root init container). */
const LEVELS_WITHOUT_NET_ADMIN = ['baseline', 'restricted'];

export function podSecurityProblem(
  namespace: string,
  info: NamespaceInfo | undefined,
  redirect: Redirect,
): string | undefined {
  if (redirect !== 'iptables' || info === undefined) return undefined;
  const level = info.labels[PSA_ENFORCE_LABEL];
  if (!LEVELS_WITHOUT_NET_ADMIN.includes(level) || info.annotations[PSA_EXEMPT_NS_ANNOTATION] === 'true') {
    return undefined;
  }
  return (
    `namespace ${namespace} enforces Pod Security level "${level}" (label ${PSA_ENFORCE_LABEL}), which forbids the ` +
    'NET_ADMIN/NET_RAW capabilities of the imds-emulator-init container that redirects 169.254.169.254. Either set ' +
    `annotation ${REDIRECT_ANNOTATION}: env on the pod (no init container; SDKs find the emulator through ` +
    'AWS_EC2_METADATA_SERVICE_ENDPOINT), or exempt the namespace from Pod Security (label it ' +
    `${PSA_ENFORCE_LABEL}: privileged, or list it in the API server's PodSecurity exemptions and annotate it ` +
    `${PSA_EXEMPT_NS_ANNOTATION}: "true")`
  );
}

export function rolePolicyProblem(
  namespace: string,
  info: NamespaceInfo | undefined,
  roleArn: string,
): string | undefined {
  if (info === undefined) {
    return (
      `namespace ${namespace} is not (yet) in the imds-emulator webhook's namespace cache, so its ` +
      `${ALLOWED_ROLES_NS_ANNOTATION} policy cannot be checked; retry in a few seconds`
    );
  }
  const policy = info.annotations[ALLOWED_ROLES_NS_ANNOTATION];
  if (policy === undefined) return undefined;
  const patterns = allowedRolePatterns(policy);
  if (patterns.some((pattern) => globMatches(pattern, roleArn))) return undefined;
  return (
    `role ${roleArn} is not allowed by the policy of namespace ${namespace}: its annotation ` +
    `${ALLOWED_ROLES_NS_ANNOTATION} allows ${patterns.length > 0 ? patterns.join(', ') : 'no role at all'}`
  );
}
