/** The order of the admission rules; each rule lives in its own module. */
import { allow, badRequest, deny, invalid, isRecord, mutate, parseReview } from './envelope';
import type { AdmissionResult, InjectionSettings, ReviewContext } from './index';
import { inject } from './inject';
import {
  DISABLED_VALUES,
  ENABLED_LABEL,
  ENABLED_VALUE,
  INIT_CONTAINER,
  INIT_RUN_VOLUME,
  NO_API_TOKEN_VOLUME,
  SIDECAR_CONTAINER,
  STS_CA_VOLUME,
  TOKEN_VOLUME,
} from './keys';
import { podSecurityProblem, rolePolicyProblem } from './namespace';
import { readOptions } from './options';
import { type PodView, readPod } from './pod';
import { choosePorts } from './ports';
import { classicModeWarnings, completesNever, credentialWarnings, neverCompletes } from './warnings';

function allContainers(pod: PodView) {
  return [...pod.initContainers, ...pod.containers];
}

function reservedNameProblems(pod: PodView): string[] {
  const containerNames = new Set(allContainers(pod).map((c) => c.name));
  const volumeNames = new Set(pod.volumeNames);
  return [
    ...[INIT_CONTAINER].filter((name) => containerNames.has(name)).map((name) => `container name ${name}`),
    ...[TOKEN_VOLUME, INIT_RUN_VOLUME, STS_CA_VOLUME, NO_API_TOKEN_VOLUME]
      .filter((name) => volumeNames.has(name))
      .map((name) => `volume name ${name}`),
  ].map((what) => `the pod already uses ${what}, which the IMDS emulator needs for itself: rename it`);
}

export function decide(body: unknown, settings: InjectionSettings, context: ReviewContext): AdmissionResult {
  const parsed = parseReview(body);
  if (!parsed.ok) return badRequest(parsed.error);
  const { uid, kind, operation, subResource, object } = parsed.request;
  if (kind.group !== '' || kind.version !== 'v1' || kind.kind !== 'Pod') {
    const got = `${kind.group ? `${kind.group}/` : ''}${kind.version || '?'} ${kind.kind || '?'}`;
    return invalid(
      uid,
      `the imds-emulator webhook only reviews core/v1 Pods, got ${got}: fix the rules of its webhook configuration`,
    );
  }
  if (subResource !== '') return allow(uid, `subresource ${subResource} is not reviewed`);
  if (operation !== 'CREATE') {
    return allow(uid, `operation ${operation || '(none)'} is not reviewed, only CREATE`);
  }
  if (!isRecord(object)) return invalid(uid, 'AdmissionReview.request.object must be the Pod being created');
  // The label is read before anything else about the pod, so a pod that did not opt in is never judged.
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const enabled = isRecord(metadata.labels) ? metadata.labels[ENABLED_LABEL] : undefined;
  if (enabled !== ENABLED_VALUE) {
    // The objectSelector sends every pod with the label (contract ENABLED_SELECTOR), so a near miss is told.
    const nearMiss =
      typeof enabled === 'string' && !DISABLED_VALUES.includes(enabled)
        ? [`label ${ENABLED_LABEL} is "${enabled}": only "${ENABLED_VALUE}" enables the IMDS emulator`]
        : [];
    return allow(uid, `label ${ENABLED_LABEL} is not "True"`, nearMiss);
  }
  const namespace = parsed.request.namespace;
  if (namespace === '') return invalid(uid, 'AdmissionReview.request.namespace is missing');
  const read = readPod(object);
  if (!read.ok) return invalid(uid, read.error);
  const { pod } = read;
  if (allContainers(pod).some((c) => c.name === SIDECAR_CONTAINER)) {
    return allow(uid, `already injected (container ${SIDECAR_CONTAINER} present)`);
  }

  const problems: string[] = [];
  const options = readOptions(pod.annotations, settings);
  if (!options.ok) problems.push(...options.errors);
  if (pod.hostNetwork) {
    problems.push(
      'hostNetwork pods share the node network namespace: the emulator would rewrite the node iptables and ' +
        'clash with other pods on its ports; run the pod without hostNetwork or remove the label',
    );
  }
  if (pod.os !== undefined && pod.os !== 'linux') {
    problems.push(`spec.os.name is ${pod.os}: the IMDS emulator runs on Linux nodes only`);
  }
  const info = context.namespace(namespace);
  if (options.ok) {
    const psa = podSecurityProblem(namespace, info, options.options.redirect);
    if (psa) problems.push(psa);
    const policy = settings.enforceNamespacePolicy
      ? rolePolicyProblem(namespace, info, options.options.roleArn)
      : undefined;
    if (policy) problems.push(policy);
  }
  problems.push(...reservedNameProblems(pod));
  const cause = context.sidecarModeCause ?? `--sidecar-mode ${context.sidecarMode}`;
  if (
    pod.controllerKind === 'Job' &&
    completesNever(pod, context.sidecarMode) &&
    settings.classicJobPods === 'deny'
  ) {
    problems.push(
      `${neverCompletes(pod, cause)}; the webhook's --classic-job-pods=warn admits such pods anyway`,
    );
  }
  const declared = new Set(allContainers(pod).flatMap((c) => c.containerPorts));
  const ports = choosePorts({ imds: settings.sidecarPort, health: settings.sidecarHealthPort }, declared);
  if (!ports) problems.push('the pod declares every port from 1024 up: none is left for the IMDS emulator');
  if (problems.length > 0 || !options.ok || !ports) {
    return deny(uid, `imds-emulator: ${problems.join('; ')}`, options.ok ? options.warnings : []);
  }

  const { roleArn } = options.options;
  const injection = inject(pod, options.options, settings, context.sidecarMode, ports.ports);
  const warnings = [
    ...options.warnings,
    ...ports.moved,
    ...credentialWarnings(allContainers(pod), roleArn),
    ...classicModeWarnings(pod, context.sidecarMode, cause),
    ...injection.warnings,
  ];
  const how = `${context.sidecarMode} sidecar, redirect ${options.options.redirect}`;
  return mutate(uid, injection.patch, `injected ${roleArn} (${how})`, warnings);
}
