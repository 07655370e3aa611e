import {
  CHECK_FLAGS,
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  ENABLED_LABEL,
  ENABLED_VALUE,
  HTTP_URL,
  IMAGE_REFERENCE,
  REGION,
  ROLE_ARN,
  ROLE_ARN_ANNOTATION,
} from '@imds-emulator/contract';
import type { ApiObjectMetadata } from 'cdk8s';
import { ImagePullPolicy, type ISecret, type IServiceAccount, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { HTTP_TOKENS_RULE, IMAGE_PULL_POLICY_RULE } from './enum-rules';
import type { HttpTokens } from './enums';
import { restrictedContainer } from './security';
import { check } from './validate';

/** Props of {@link ImdsEmulatorSelfCheck}. */
export interface ImdsEmulatorSelfCheckProps {
  /**
   * Metadata of the Pod. `namespace` must be one the webhook serves: not the emulator's own namespace nor
   * `kube-system`, which it never sees. `labels` and `annotations` are added to the opt-in label and role annotation.
   * @default - name "imds-emulator-self-check", namespace "default"
   */
  readonly metadata?: ApiObjectMetadata;
  /**
   * IAM role the check's pod opts in with. Its trust policy must allow the pod's service account
   * (`system:serviceaccount:<namespace>:<name>`) to assume it with web identity.
   */
  readonly roleArn: string;
  /** Service account of the pod, the one the role trusts. @default - the namespace's `default` service account */
  readonly serviceAccount?: IServiceAccount;
  /** Image with the `imds-emulator` command, e.g. `emulator.image`. @default "ghcr.io/imds-emulator/imds-emulator:0.1.0" */
  readonly image?: string;
  /** Pull policy of the image. @default ImagePullPolicy.IF_NOT_PRESENT */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Secrets with the registry credentials for the image. @default - none */
  readonly imagePullSecrets?: ISecret[];
  /**
   * The pod's http-tokens (the webhook's default, as the pod sets none): IMDSv1 must then be served or refused.
   * @default - either is accepted
   */
  readonly httpTokens?: HttpTokens;
  /**
   * STS endpoint URL: also sign `sts:GetCallerIdentity` with the served credentials and check the caller is a session
   * of the role (needs network access to it).
   * @default - no STS call
   */
  readonly stsEndpoint?: string;
  /** Signing region of the STS call. @default - the check's own default (`AWS_REGION`, else us-east-1) */
  readonly region?: string;
}

const CHECK_CONTAINER = 'check';
/**
 * The longest the pod may run, so it ends Failed rather than hangs: a classic sidecar never exits, and a native one
 * that gets no credentials holds the check back (its startup probe allows 120 s per try). Under `helm test`'s default
 * 5-minute timeout, so Helm sees the failure.
 */
const DEADLINE_SECONDS = 240;

/**
 * A Pod that opts itself in to the imds-emulator, as any workload does, and runs `imds-emulator check` in it: exit 0
 * (pod Succeeded) only when the redirect, IMDSv2 and v1, the role, the credentials and their expiry (and with
 * `stsEndpoint` a real STS call) all pass; its log has one line per check with the fix for each failure. The Helm
 * chart ships it as its `helm test` hook. It needs native sidecars (Kubernetes 1.29+): a classic sidecar keeps the
 * pod running until its 240 s deadline.
 *
 * The Pod is the default child (`ApiObject.of(check)`) and the public member `pod`.
 */
export class ImdsEmulatorSelfCheck extends Construct {
  /** Name of the Pod. */
  public readonly name: string;
  /** Namespace of the Pod. */
  public readonly namespace: string;
  /** The role the pod opts in with. */
  public readonly roleArn: string;
  /** Image of the check container. */
  public readonly image: string;
  /** Arguments of the check container (`check` and its flags). */
  public readonly args: string[];
  /** The Pod. */
  public readonly pod: k8s.KubePod;

  public constructor(scope: Construct, id: string, props: ImdsEmulatorSelfCheckProps) {
    super(scope, id);
    this.name = props.metadata?.name ?? 'imds-emulator-self-check';
    check('metadata.name', DNS1123_SUBDOMAIN, this.name);
    this.namespace = props.metadata?.namespace ?? 'default';
    check('metadata.namespace', DNS1123_LABEL, this.namespace);
    check('roleArn', ROLE_ARN, props.roleArn);
    this.roleArn = props.roleArn;
    this.image = props.image ?? `${DEFAULT_IMAGE_REPOSITORY}:${DEFAULT_IMAGE_TAG}`;
    check('image', IMAGE_REFERENCE, this.image);
    const pullPolicy = props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT;
    check('imagePullPolicy', IMAGE_PULL_POLICY_RULE, pullPolicy);
    this.args = checkArgs(props);

    this.pod = new k8s.KubePod(this, 'Resource', {
      metadata: {
        ...props.metadata,
        name: this.name,
        namespace: this.namespace,
        // Opted in exactly as a user's pod is: the label and the role annotation.
        labels: { ...props.metadata?.labels, [ENABLED_LABEL]: ENABLED_VALUE },
        annotations: { ...props.metadata?.annotations, [ROLE_ARN_ANNOTATION]: this.roleArn },
      },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: DEADLINE_SECONDS,
        serviceAccountName: props.serviceAccount?.name,
        // The check needs no API access; the webhook mounts the emulator's own projected token for the sidecar.
        automountServiceAccountToken: false,
        imagePullSecrets: props.imagePullSecrets?.map((secret) => ({ name: secret.name })),
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: CHECK_CONTAINER,
            image: this.image,
            imagePullPolicy: pullPolicy,
            args: this.args,
            resources: {
              requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('64Mi') },
              limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('128Mi') },
            },
            securityContext: restrictedContainer(),
          },
        ],
      },
    });
    this.node.defaultChild = this.pod;
  }
}

/** `check` and the flags the props ask for, named by the contract's check flags. */
function checkArgs(props: ImdsEmulatorSelfCheckProps): string[] {
  if (props.httpTokens !== undefined) check('httpTokens', HTTP_TOKENS_RULE, props.httpTokens);
  if (props.stsEndpoint !== undefined) check('stsEndpoint', HTTP_URL, props.stsEndpoint);
  if (props.region !== undefined) check('region', REGION, props.region);
  const flags: [keyof typeof CHECK_FLAGS, string | undefined][] = [
    ['httpTokens', props.httpTokens],
    ['region', props.region],
    ['sts', props.stsEndpoint],
  ];
  return [
    'check',
    ...flags
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `--${CHECK_FLAGS[key].name}=${value}`),
  ];
}
