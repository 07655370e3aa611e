/**
 * The STS RoleSessionName for a pod. CloudTrail shows it next to every API call the pod makes, so it names the
 * namespace and pod; STS allows only `[\w+=,.@-]{2,64}`.
 */
import { createHash } from 'node:crypto';

const MAX = 64;
const MIN = 2;
const HASH_CHARS = 8;
const DISALLOWED = /[^\w+=,.@-]/g;

/**
 * `<namespace>.<pod>`: namespaces cannot contain dots, so the first dot separates the two. When the name had to be
 * altered (disallowed characters replaced, truncated, padded), a short hash of the original is appended so two
 * different pods never share a session name; the result is the same for the same pod every time.
 */
export function sessionName(
  namespace: string | undefined,
  pod: string | undefined,
  fallbackPod: string,
): string {
  const original = `${namespace || 'unknown'}.${pod || fallbackPod}`;
  const cleaned = original.replace(DISALLOWED, '-');
  if (cleaned === original && cleaned.length >= MIN && cleaned.length <= MAX) return cleaned;
  const hash = createHash('sha256').update(original).digest('hex').slice(0, HASH_CHARS);
  return `${cleaned.slice(0, MAX - HASH_CHARS - 1)}-${hash}`;
}
