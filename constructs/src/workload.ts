import {
  ENABLED_LABEL,
  ENABLED_VALUE,
  HTTP_TOKENS_ANNOTATION,
  REDIRECT_ANNOTATION,
  REGION,
  REGION_ANNOTATION,
  ROLE_ARN,
  ROLE_ARN_ANNOTATION,
  SESSION_DURATION,
  SESSION_DURATION_ANNOTATION,
} from '@imds-emulator/contract';
import type { Duration } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-27';
import { HTTP_TOKENS_RULE, REDIRECT_RULE } from './enum-rules';
import type { HttpTokens, Redirect } from './enums';
import { check } from './validate';

/** Options of {@link ImdsEmulatorWorkload.enable}. */
export interface EnableImdsEmulatorOptions {
  /** IAM role the pod's sidecar assumes, `arn:<partition>:iam::<12 digits>:role/<path/>name`. */
  readonly roleArn: string;
  /** How traffic reaches the sidecar. @default - the webhook's default (`iptables`) */
  readonly redirect?: Redirect;
  /** IMDSv2 session tokens for this pod. @default - the webhook's `--default-http-tokens` */
  readonly httpTokens?: HttpTokens;
  /** AWS region of the STS endpoint for this pod. @default - the webhook's `--default-region` */
  readonly region?: string;
  /** STS session duration, 900..43200 whole seconds. @default - the webhook's `--default-session-duration` */
  readonly sessionDuration?: Duration;
}

/** Opts cdk8s-plus workloads in to the imds-emulator. */
export class ImdsEmulatorWorkload {
  /**
   * Labels the workload's pods with `gkemulticloud.googleapis.com/aws-imds-emulator-enabled: "True"` and annotates
   * them with the role ARN (and any per-pod overrides), exactly as GKE on AWS documents. Works on a Pod,
   * Deployment, StatefulSet, Job or DaemonSet.
   */
  public static enable(workload: kplus.AbstractPod, options: EnableImdsEmulatorOptions): void {
    check('roleArn', ROLE_ARN, options.roleArn);
    const annotations: { [key: string]: string } = { [ROLE_ARN_ANNOTATION]: options.roleArn };
    if (options.redirect !== undefined) {
      check('redirect', REDIRECT_RULE, options.redirect);
      annotations[REDIRECT_ANNOTATION] = options.redirect;
    }
    if (options.httpTokens !== undefined) {
      check('httpTokens', HTTP_TOKENS_RULE, options.httpTokens);
      annotations[HTTP_TOKENS_ANNOTATION] = options.httpTokens;
    }
    if (options.region !== undefined) {
      check('region', REGION, options.region);
      annotations[REGION_ANNOTATION] = options.region;
    }
    if (options.sessionDuration !== undefined) {
      const seconds = options.sessionDuration.toSeconds({ integral: false });
      check('sessionDuration', SESSION_DURATION, seconds);
      annotations[SESSION_DURATION_ANNOTATION] = String(seconds);
    }
    // podMetadata is the pod itself for a Pod and the pod template for the other workloads.
    workload.podMetadata.addLabel(ENABLED_LABEL, ENABLED_VALUE);
    for (const [key, value] of Object.entries(annotations)) workload.podMetadata.addAnnotation(key, value);
  }

  private constructor() {}
}
