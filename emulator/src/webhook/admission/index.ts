/**
 * The webhook's admission decision, pure: it takes a parsed request body and returns what to answer, with no I/O,
 * so the server stays a thin shell and every rule is unit-tested without one.
 */
import type { ClassicJobPods, HttpTokens, ImagePullPolicy } from '@imds-emulator/contract';
import { decide } from './decide';

export type { HttpTokens };
export type SidecarMode = 'native' | 'classic';

/** A ConfigMap or Secret key (in the pod's namespace) with the CA certificates the sidecar trusts for STS. */
export interface StsCaBundle {
  source: 'configMap' | 'secret';
  name: string;
  key: string;
}

/** Webhook-wide settings, parsed from the `imds-emulator webhook` flags by the command. */
export interface InjectionSettings {
  image: string;
  imagePullPolicy: ImagePullPolicy;
  sidecarPort: number;
  sidecarHealthPort: number;
  defaultRegion: string;
  defaultHttpTokens: HttpTokens;
  defaultSessionDuration: number;
  /** Sidecar `--serve-region` unless the pod's annotation says otherwise. */
  defaultServeRegion: boolean;
  stsEndpoint?: string;
  stsCaBundle?: StsCaBundle;
  tokenAudience: string;
  tokenExpirationSeconds: number;
  resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
  enforceNamespacePolicy: boolean;
  /** Job pods in classic mode: refuse them (the Job's events show why) or admit them with a warning. */
  classicJobPods: ClassicJobPods;
}

export interface NamespaceInfo {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ReviewContext {
  sidecarMode: SidecarMode;
  /** Why that mode (the flag, or what auto mode detected), for messages that a classic sidecar causes. */
  sidecarModeCause?: string;
  /** Namespace metadata from the server's cache; undefined when not (yet) known. */
  namespace(name: string): NamespaceInfo | undefined;
}

export type AdmissionOutcome = 'mutated' | 'skipped' | 'denied' | 'invalid';

export interface AdmissionResult {
  /**
   * HTTP status the server should answer with: 200 for any well-formed AdmissionReview, 400 for input that is not one,
   * 500 only if the decision itself failed (a bug), so the webhook configuration's failurePolicy applies.
   */
  httpStatus: number;
  /** Response body: an admission.k8s.io/v1 AdmissionReview (with response.uid echoed) or, for 400/500, { error: string }. */
  body: unknown;
  outcome: AdmissionOutcome;
  /** Human-readable reason (denial message / why skipped / what was invalid) for logs and metrics. */
  reason: string;
}

/** Decides one AdmissionReview. Never throws: an internal error becomes an `invalid` result (and is a bug). */
export function reviewAdmission(
  body: unknown,
  settings: InjectionSettings,
  context: ReviewContext,
): AdmissionResult {
  try {
    return decide(body, settings, context);
  } catch (err) {
    const reason = `internal error in the imds-emulator webhook: ${err instanceof Error ? err.message : String(err)}`;
    return { httpStatus: 500, body: { error: reason }, outcome: 'invalid', reason };
  }
}
