import {
  AUDIENCE,
  DEFAULT_FAILURE_POLICY,
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  DEFAULT_NAME,
  DEFAULT_NAMESPACE,
  DEFAULT_REPLICAS,
  DEFAULT_TIMEOUT_SECONDS,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  ENABLED_LABEL,
  ENABLED_VALUE,
  WEBHOOK_FLAGS as F,
  HTTP_URL,
  IMAGE_DIGEST,
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  INSTALL_NAME,
  QUANTITY,
  REGION,
  REPLICAS,
  SESSION_DURATION,
  SIDECAR_RESOURCES,
  TIMEOUT_SECONDS,
  TOKEN_EXPIRATION,
  WEBHOOK_RESOURCES,
} from '@imds-emulator/contract';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CertificateMode, WebhookCertificate } from './certificate';
import {
  FAILURE_POLICY_RULE,
  HTTP_TOKENS_RULE,
  IMAGE_PULL_POLICY_RULE,
  SIDECAR_MODE_RULE,
} from './enum-rules';
import type { FailurePolicy, HttpTokens, ImagePullPolicy, SidecarMode } from './enums';
import { check } from './validate';

/** CPU and memory requests and limits of a container. */
export interface ResourceQuantities {
  /** CPU request, e.g. `50m`. @default - see the prop that uses this struct */
  readonly cpuRequest?: string;
  /** Memory request, e.g. `64Mi`. @default - see the prop that uses this struct */
  readonly memoryRequest?: string;
  /** CPU limit, e.g. `500m`. @default - see the prop that uses this struct */
  readonly cpuLimit?: string;
  /** Memory limit, e.g. `256Mi`. @default - see the prop that uses this struct */
  readonly memoryLimit?: string;
}

/** What the webhook puts into every injected sidecar unless the pod's annotations say otherwise. */
export interface SidecarDefaults {
  /** AWS region of the STS endpoint (`--default-region`). @default "us-east-1" */
  readonly region?: string;
  /** IMDSv2 session tokens (`--default-http-tokens`). @default HttpTokens.OPTIONAL */
  readonly httpTokens?: HttpTokens;
  /** STS session duration in seconds, 900..43200 (`--default-session-duration`). @default 3600 */
  readonly sessionDuration?: number;
  /** Audience of the projected service-account token (`--token-audience`). @default "sts.amazonaws.com" */
  readonly tokenAudience?: string;
  /** `expirationSeconds` of the projected token, 600..4294967295 (`--token-expiration`). @default 3600 */
  readonly tokenExpiration?: number;
  /** Native or classic sidecar (`--sidecar-mode`). @default SidecarMode.AUTO */
  readonly mode?: SidecarMode;
  /** STS endpoint URL for every sidecar (`--sts-endpoint`), e.g. a VPC endpoint. @default - the regional endpoint */
  readonly stsEndpoint?: string;
  /**
   * Resources of the injected sidecar.
   * @default - requests cpu 5m, memory 32Mi; limits cpu 1, memory 128Mi
   */
  readonly resources?: ResourceQuantities;
}

/** Props of {@link ImdsEmulator}. */
export interface ImdsEmulatorProps {
  /**
   * Name of the installation (like a Helm release's fullname). Namespaced objects are called `<name>`; cluster-scoped
   * ones `<namespace>-<name>`, so installs in different namespaces never collide. A DNS label of at most 52 characters.
   * @default "imds-emulator"
   */
  readonly name?: string;
  /** Namespace of the webhook's namespaced objects (it is not created). @default "imds-emulator" */
  readonly namespace?: string;
  /** Image repository of the webhook and the injected containers. @default "ghcr.io/imds-emulator/imds-emulator" */
  readonly imageRepository?: string;
  /** Image tag. @default "0.1.0" (this library's version) */
  readonly imageTag?: string;
  /** Image digest (`sha256:<64 hex>`), appended as `repo:tag@digest`. @default - none, the tag alone */
  readonly imageDigest?: string;
  /** Pull policy of the webhook and of the injected containers. @default ImagePullPolicy.IF_NOT_PRESENT */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Webhook replicas, 1..100. A PodDisruptionBudget (`minAvailable: 1`) is added when above 1. @default 2 */
  readonly replicas?: number;
  /**
   * Resources of the webhook container.
   * @default - requests cpu 50m, memory 224Mi; limits cpu 500m, memory 384Mi
   */
  readonly resources?: ResourceQuantities;
  /** `priorityClassName` of the webhook pods, e.g. `system-cluster-critical`. @default - none */
  readonly priorityClassName?: string;
  /** What happens to an opted-in pod when the webhook is unreachable. @default FailurePolicy.FAIL */
  readonly failurePolicy?: FailurePolicy;
  /** Webhook call timeout in seconds, 1..30. @default 5 */
  readonly timeoutSeconds?: number;
  /**
   * Namespaces the webhook never sees, in addition to its own and `kube-system` (always excluded).
   * @default - none
   */
  readonly excludedNamespaces?: string[];
  /** How the webhook gets its TLS certificate. @default WebhookCertificate.selfManaged() */
  readonly certificate?: WebhookCertificate;
  /** Defaults for the injected sidecars. @default - see {@link SidecarDefaults} */
  readonly sidecar?: SidecarDefaults;
  /** Extra labels on every object and on the webhook pods. @default - none */
  readonly labels?: { [key: string]: string };
}

const WEBHOOK_PORT = F.port.default;
const HEALTH_PORT = F.healthPort.default;
const SERVICE_PORT = 443;
const TLS_DIR = '/etc/imds-emulator/tls';
const RUN_AS = 65532;

/**
 * A complete install of the imds-emulator admission webhook: ServiceAccount, least-privilege RBAC, Deployment,
 * PodDisruptionBudget, Service, MutatingWebhookConfiguration and (in cert-manager mode) Issuer and Certificate.
 *
 * The MutatingWebhookConfiguration is the default child (`ApiObject.of(emulator)`), the escape hatch for fields this
 * construct does not model.
 */
export class ImdsEmulator extends Construct {
  /** Name of the namespaced objects. */
  public readonly name: string;
  /** Namespace of the namespaced objects. */
  public readonly namespace: string;
  /** Name of the cluster-scoped objects (`<namespace>-<name>`). */
  public readonly clusterScopedName: string;
  /** Full image reference of the webhook and the injected containers. */
  public readonly image: string;
  /** Pull policy of the webhook and the injected containers. */
  public readonly imagePullPolicy: ImagePullPolicy;
  /** Webhook replicas. */
  public readonly replicas: number;
  /** Resources of the webhook container, defaults filled in. */
  public readonly resources: ResourceQuantities;
  /** Failure policy of the webhook. */
  public readonly failurePolicy: FailurePolicy;
  /** Webhook call timeout in seconds. */
  public readonly timeoutSeconds: number;
  /** Every namespace excluded from the webhook: its own, `kube-system`, then the extras. */
  public readonly excludedNamespaces: string[];
  /** How the webhook gets its certificate. */
  public readonly certificate: WebhookCertificate;
  /** Sidecar defaults, every field filled in. */
  public readonly sidecar: SidecarDefaults;
  /** Name of the Secret holding the serving certificate. */
  public readonly certificateSecretName: string;
  /** Labels selecting the webhook pods. */
  public readonly selectorLabels: { [key: string]: string };

  private readonly labels: { [key: string]: string };

  public constructor(scope: Construct, id: string, props: ImdsEmulatorProps = {}) {
    super(scope, id);
    this.name = props.name ?? DEFAULT_NAME;
    check('name', INSTALL_NAME, this.name);
    this.namespace = props.namespace ?? DEFAULT_NAMESPACE;
    check('namespace', DNS1123_LABEL, this.namespace);
    this.clusterScopedName = `${this.namespace}-${this.name}`;
    this.certificateSecretName = `${this.name}-tls`;

    this.image = imageReference(props);
    this.imagePullPolicy = props.imagePullPolicy ?? (F.imagePullPolicy.default as ImagePullPolicy);
    check('imagePullPolicy', IMAGE_PULL_POLICY_RULE, this.imagePullPolicy);
    this.replicas = props.replicas ?? DEFAULT_REPLICAS;
    check('replicas', REPLICAS, this.replicas);
    this.resources = resolveResources('resources', props.resources, WEBHOOK_RESOURCES);
    if (props.priorityClassName !== undefined) {
      check('priorityClassName', DNS1123_SUBDOMAIN, props.priorityClassName);
    }
    this.failurePolicy = props.failurePolicy ?? (DEFAULT_FAILURE_POLICY as FailurePolicy);
    check('failurePolicy', FAILURE_POLICY_RULE, this.failurePolicy);
    this.timeoutSeconds = props.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    check('timeoutSeconds', TIMEOUT_SECONDS, this.timeoutSeconds);
    for (const ns of props.excludedNamespaces ?? []) check('excludedNamespaces', DNS1123_LABEL, ns);
    this.excludedNamespaces = [this.namespace, 'kube-system', ...(props.excludedNamespaces ?? [])];
    this.certificate = props.certificate ?? WebhookCertificate.selfManaged();
    this.sidecar = resolveSidecar(props.sidecar ?? {});

    this.selectorLabels = {
      'app.kubernetes.io/name': 'imds-emulator',
      'app.kubernetes.io/instance': this.name,
    };
    this.labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/component': 'webhook',
      'app.kubernetes.io/part-of': 'imds-emulator',
      ...props.labels,
    };

    const selfManaged = this.certificate.mode === CertificateMode.SELF_MANAGED;
    const webhook = this.webhookConfiguration();
    this.serviceAccount();
    this.rbac(selfManaged);
    this.deployment(props.priorityClassName, selfManaged);
    if (this.replicas > 1) this.podDisruptionBudget();
    this.service();
    if (!selfManaged) this.certManagerObjects();
    this.node.defaultChild = webhook;
  }

  private meta(name: string, namespaced = true): k8s.ObjectMeta {
    return { name, ...(namespaced ? { namespace: this.namespace } : {}), labels: { ...this.labels } };
  }

  private webhookConfiguration(): ApiObject {
    // cert-manager's cainjector copies the CA into caBundle; rendering none avoids a perpetual GitOps diff.
    const annotations =
      this.certificate.mode === CertificateMode.CERT_MANAGER
        ? { 'cert-manager.io/inject-ca-from': `${this.namespace}/${this.certificateSecretName}` }
        : undefined;
    const metadata = { ...this.meta(this.clusterScopedName, false), annotations };
    return new k8s.KubeMutatingWebhookConfiguration(this, 'Resource', {
      metadata,
      webhooks: [
        {
          name: 'pods.imds-emulator.gkemulticloud.googleapis.com',
          admissionReviewVersions: ['v1'],
          clientConfig: {
            service: { name: this.name, namespace: this.namespace, path: '/mutate', port: SERVICE_PORT },
          },
          failurePolicy: this.failurePolicy,
          matchPolicy: 'Equivalent',
          // Only opted-in pods ever wait on this webhook.
          objectSelector: {
            matchExpressions: [{ key: ENABLED_LABEL, operator: 'In', values: [ENABLED_VALUE] }],
          },
          // Never its own namespace or kube-system: a fail-closed webhook must not block its own recovery.
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...this.excludedNamespaces] },
            ],
          },
          reinvocationPolicy: 'IfNeeded',
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE'],
              resources: ['pods'],
              scope: 'Namespaced',
            },
          ],
          sideEffects: 'None',
          timeoutSeconds: this.timeoutSeconds,
        },
      ],
    });
  }

  private serviceAccount(): void {
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: this.meta(this.name),
      automountServiceAccountToken: true,
    });
  }

  private rbac(selfManaged: boolean): void {
    const subjects = [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }];
    const clusterRules: k8s.PolicyRule[] = [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
    ];
    if (selfManaged) {
      clusterRules.push({
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
        resourceNames: [this.clusterScopedName],
        verbs: ['get', 'patch'],
      });
    }
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: this.meta(this.clusterScopedName, false),
      rules: clusterRules,
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: this.meta(this.clusterScopedName, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: this.clusterScopedName },
      subjects,
    });
    if (!selfManaged) return;
    new k8s.KubeRole(this, 'Role', {
      metadata: this.meta(this.name),
      rules: [
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [this.certificateSecretName],
          verbs: ['get', 'update', 'patch'],
        },
        // `create` cannot be restricted by name: the object does not exist yet when it is checked.
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: this.meta(this.name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.name },
      subjects,
    });
  }

  private webhookArgs(selfManaged: boolean): string[] {
    const s = this.sidecar;
    const r = s.resources!;
    // Keyed by the contract's webhook flags: a flag renamed there is renamed here.
    const certFlags: Partial<Record<keyof typeof F, unknown>> = selfManaged
      ? {
          certMode: 'self-managed',
          certSecret: this.certificateSecretName,
          webhookConfiguration: this.clusterScopedName,
          serviceName: this.name,
        }
      : { certMode: 'files', tlsCert: `${TLS_DIR}/tls.crt`, tlsKey: `${TLS_DIR}/tls.key` };
    const flags: Partial<Record<keyof typeof F, unknown>> = {
      port: WEBHOOK_PORT,
      healthPort: HEALTH_PORT,
      ...certFlags,
      image: this.image,
      imagePullPolicy: this.imagePullPolicy,
      sidecarMode: s.mode,
      defaultRegion: s.region,
      defaultHttpTokens: s.httpTokens,
      defaultSessionDuration: s.sessionDuration,
      tokenAudience: s.tokenAudience,
      tokenExpiration: s.tokenExpiration,
      sidecarCpuRequest: r.cpuRequest,
      sidecarMemoryRequest: r.memoryRequest,
      sidecarCpuLimit: r.cpuLimit,
      sidecarMemoryLimit: r.memoryLimit,
      stsEndpoint: s.stsEndpoint,
    };
    return [
      'webhook',
      ...Object.entries(flags)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `--${F[key as keyof typeof F].name}=${value}`),
    ];
  }

  private deployment(priorityClassName: string | undefined, selfManaged: boolean): void {
    const tls = !selfManaged;
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
      labelSelector: { matchLabels: { ...this.selectorLabels } },
      maxSkew: 1,
      topologyKey,
      // Soft: a single-node cluster still runs every replica.
      whenUnsatisfiable: 'ScheduleAnyway',
    });
    const probe = (path: string, periodSeconds: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromNumber(HEALTH_PORT), scheme: 'HTTP' },
      periodSeconds,
      failureThreshold: 3,
      timeoutSeconds: 2,
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: this.meta(this.name),
      spec: {
        replicas: this.replicas,
        selector: { matchLabels: { ...this.selectorLabels } },
        template: {
          metadata: { labels: { ...this.labels } },
          spec: {
            serviceAccountName: this.name,
            // The webhook talks to the API server (namespaces, and its Secret and webhook configuration).
            automountServiceAccountToken: true,
            priorityClassName,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUN_AS,
              runAsGroup: RUN_AS,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: [
              spread('kubernetes.io/hostname'),
              spread('topology.kubernetes.io/zone'),
            ],
            containers: [
              {
                name: 'webhook',
                image: this.image,
                imagePullPolicy: this.imagePullPolicy,
                args: this.webhookArgs(selfManaged),
                env: [
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [
                  { name: 'https', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                ],
                livenessProbe: probe('/healthz', 10),
                readinessProbe: probe('/readyz', 5),
                resources: kubeResources(this.resources),
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                },
                volumeMounts: tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : undefined,
              },
            ],
            volumes: tls ? [{ name: 'tls', secret: { secretName: this.certificateSecretName } }] : undefined,
          },
        },
      },
    });
  }

  private podDisruptionBudget(): void {
    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: this.meta(this.name),
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: { ...this.selectorLabels } },
      },
    });
  }

  private service(): void {
    new k8s.KubeService(this, 'Service', {
      metadata: this.meta(this.name),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [
          {
            name: 'https',
            port: SERVICE_PORT,
            protocol: 'TCP',
            targetPort: k8s.IntOrString.fromString('https'),
          },
        ],
      },
    });
  }

  private certManagerObjects(): void {
    let issuerRef = this.certificate.issuer;
    if (!issuerRef) {
      issuerRef = { name: `${this.name}-selfsigned`, kind: 'Issuer', group: 'cert-manager.io' };
      new ApiObject(this, 'Issuer', {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: this.meta(issuerRef.name),
        spec: { selfSigned: {} },
      });
    }
    const service = `${this.name}.${this.namespace}`;
    new ApiObject(this, 'Certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: this.meta(this.certificateSecretName),
      spec: {
        secretName: this.certificateSecretName,
        commonName: `${service}.svc`,
        dnsNames: [this.name, service, `${service}.svc`, `${service}.svc.cluster.local`],
        issuerRef: { name: issuerRef.name, kind: issuerRef.kind, group: issuerRef.group },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature', 'key encipherment'],
      },
    });
  }
}

function imageReference(props: ImdsEmulatorProps): string {
  const repository = props.imageRepository ?? DEFAULT_IMAGE_REPOSITORY;
  check('imageRepository', IMAGE_REPOSITORY, repository);
  const tag = props.imageTag ?? DEFAULT_IMAGE_TAG;
  check('imageTag', IMAGE_TAG, tag);
  if (props.imageDigest === undefined) return `${repository}:${tag}`;
  check('imageDigest', IMAGE_DIGEST, props.imageDigest);
  return `${repository}:${tag}@${props.imageDigest}`;
}

function resolveResources(
  prop: string,
  given: ResourceQuantities | undefined,
  defaults: Required<ResourceQuantities>,
): ResourceQuantities {
  const resolved = { ...defaults, ...given };
  for (const [key, value] of Object.entries(resolved)) check(`${prop}.${key}`, QUANTITY, value);
  return resolved;
}

function kubeResources(r: ResourceQuantities): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(r.cpuRequest!),
      memory: k8s.Quantity.fromString(r.memoryRequest!),
    },
    limits: { cpu: k8s.Quantity.fromString(r.cpuLimit!), memory: k8s.Quantity.fromString(r.memoryLimit!) },
  };
}

function resolveSidecar(s: SidecarDefaults): SidecarDefaults {
  const resolved: SidecarDefaults = {
    region: s.region ?? F.defaultRegion.default,
    httpTokens: s.httpTokens ?? (F.defaultHttpTokens.default as HttpTokens),
    sessionDuration: s.sessionDuration ?? F.defaultSessionDuration.default,
    tokenAudience: s.tokenAudience ?? F.tokenAudience.default,
    tokenExpiration: s.tokenExpiration ?? F.tokenExpiration.default,
    mode: s.mode ?? (F.sidecarMode.default as SidecarMode),
    stsEndpoint: s.stsEndpoint,
    resources: resolveResources('sidecar.resources', s.resources, SIDECAR_RESOURCES),
  };
  check('sidecar.region', REGION, resolved.region!);
  check('sidecar.httpTokens', HTTP_TOKENS_RULE, resolved.httpTokens!);
  check('sidecar.sessionDuration', SESSION_DURATION, resolved.sessionDuration!);
  check('sidecar.tokenAudience', AUDIENCE, resolved.tokenAudience!);
  check('sidecar.tokenExpiration', TOKEN_EXPIRATION, resolved.tokenExpiration!);
  check('sidecar.mode', SIDECAR_MODE_RULE, resolved.mode!);
  if (resolved.stsEndpoint !== undefined) check('sidecar.stsEndpoint', HTTP_URL, resolved.stsEndpoint);
  return resolved;
}
