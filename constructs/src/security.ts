/** Security settings the constructs' own containers share (internal: not exported from the package). */
import type { k8s } from 'cdk8s-plus-27';

/** Pod Security "restricted" for a container, and a read-only root filesystem: nothing of ours writes to it. */
export function restrictedContainer(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
  };
}
