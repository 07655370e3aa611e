/**
 * The Pod Security Standard "restricted" rules a pod's own spec can break
 * (kubernetes.io/docs/concepts/security/pod-security-standards): what the API server's PodSecurity admission would
 * refuse in a namespace that enforces it. Volume types and sysctls are not checked (the pods checked have none).
 */
// biome-ignore lint/suspicious/noExplicitAny: pods in tests are free-form JSON
type Json = any;

export function restrictedViolations(pod: Json): string[] {
  const spec = pod.spec;
  const problems: string[] = [];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push('host namespaces');
  if ((spec.volumes ?? []).some((v: Json) => v.hostPath)) problems.push('hostPath volume');
  const seccomp = (c: Json) =>
    c.securityContext?.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
  const nonRoot = (c: Json) => c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${c.name}: capabilities not dropped`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${c.name}: adds ${added.join(',')}`);
    if (nonRoot(c) !== true || sc.runAsUser === 0) problems.push(`${c.name}: may run as root`);
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp(c))) problems.push(`${c.name}: seccomp`);
  }
  return problems;
}
