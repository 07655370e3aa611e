/**
 * Writes the sidecar's credential failure to its termination-message file, which the kubelet shows as the
 * container's `Last State: Terminated … Message:` in `kubectl describe pod`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Logger } from '../common/logger';
import {
  type CredentialFailure,
  type FixContext,
  terminationMessage,
  tokenClaims,
} from './credential-failure';

/** The token's issuer and audience for the fix; none when the token cannot be read (that may be the failure). */
function claimsOf(tokenFile: string | undefined): FixContext {
  if (tokenFile === undefined) return {};
  try {
    return tokenClaims(readFileSync(tokenFile, 'utf8'));
  } catch {
    return {};
  }
}

/** Best effort: a missing or read-only file (outside Kubernetes) is logged, never fatal. */
export function writeTerminationMessage(
  path: string,
  failure: CredentialFailure,
  context: FixContext,
  log: Logger,
): void {
  const text = terminationMessage(failure, { ...context, ...claimsOf(context.tokenFile) });
  try {
    writeFileSync(path, text);
    log.info({ path, code: failure.code }, 'wrote the credential failure to the termination message');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    log.warn({ path, reason }, 'cannot write the termination message (--termination-message-path)');
  }
}
