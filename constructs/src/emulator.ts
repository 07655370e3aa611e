import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CertificateMode, WebhookCertificate } from './certificate';
import { FailurePolicy, HttpTokens, ImagePullPolicy, SidecarMode } from './enums';
import { DEFAULT_IMAGE_REPOSITORY, DEFAULT_IMAGE_TAG, ENABLED_LABEL, ENABLED_VALUE } from './names';
import {
  checkEnum,
  checkInt,
  checkName,
  checkNamespace,
  checkPattern,
  checkQuantity,
  checkRegion,
} from './validate';

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
  /** `expirationSeconds` of the projected token, 600..86400 (`--token-expiration`). @default 3600 */
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
   * @default - requests cpu 50m, memory 64Mi; limits cpu 500m, memory 256Mi
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

const WEBHOOK_PORT = 8443;
const HEALTH_PORT = 8081;
const SERVICE_PORT = 443;
const TLS_DIR = '/etc/imds-emulator/tls';
const RUN_AS = 65532;
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const URL_PATTERN = /^https?:\/\/[^\s"'\\]+$/;
const AUDIENCE = /^[^\s"'\\]+$/;

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
    this.name = props.name ?? 'imds-emulator';
    checkName('name', this.name, 52);
    this.namespace = props.namespace ?? 'imds-emulator';
    checkNamespace('namespace', this.namespace);
    this.clusterScopedName = `${this.namespace}-${this.name}`;
    this.certificateSecretName = `${this.name}-tls`;

    this.image = imageReference(props);
    this.imagePullPolicy = props.imagePullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT;
    checkEnum('imagePullPolicy', this.imagePullPolicy, ImagePullPolicy);
    this.replicas = props.replicas ?? 2;
    checkInt('replicas', this.replicas, 1, 100);
    this.resources = resolveResources('resources', props.resources, {
      cpuRequest: '50m',
      memoryRequest: '64Mi',
      cpuLimit: '500m',
      memoryLimit: '256Mi',
    });
    if (props.priorityClassName !== undefined) {
      checkPattern('priorityClassName', props.priorityClassName, DNS_SUBDOMAIN, 'a DNS subdomain name');
    }
    this.failurePolicy = props.failurePolicy ?? FailurePolicy.FAIL;
    checkEnum('failurePolicy', this.failurePolicy, FailurePolicy);
    this.timeoutSeconds = props.timeoutSeconds ?? 5;
    checkInt('timeoutSeconds', this.timeoutSeconds, 1, 30);
    for (const ns of props.excludedNamespaces ?? []) checkNamespace('excludedNamespaces', ns);
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
    const certArgs = selfManaged
      ? [
          '--cert-mode=self-managed',
          `--cert-secret=${this.certificateSecretName}`,
          `--webhook-configuration=${this.clusterScopedName}`,
          `--service-name=${this.name}`,
        ]
      : ['--cert-mode=files', `--tls-cert=${TLS_DIR}/tls.crt`, `--tls-key=${TLS_DIR}/tls.key`];
    return [
      'webhook',
      `--port=${WEBHOOK_PORT}`,
      `--health-port=${HEALTH_PORT}`,
      ...certArgs,
      `--image=${this.image}`,
      `--image-pull-policy=${this.imagePullPolicy}`,
      `--sidecar-mode=${s.mode}`,
      `--default-region=${s.region}`,
      `--default-http-tokens=${s.httpTokens}`,
      `--default-session-duration=${s.sessionDuration}`,
      `--token-audience=${s.tokenAudience}`,
      `--token-expiration=${s.tokenExpiration}`,
      `--sidecar-cpu-request=${r.cpuRequest}`,
      `--sidecar-memory-request=${r.memoryRequest}`,
      `--sidecar-cpu-limit=${r.cpuLimit}`,
      `--sidecar-memory-limit=${r.memoryLimit}`,
      ...(s.stsEndpoint !== undefined ? [`--sts-endpoint=${s.stsEndpoint}`] : []),
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
  checkPattern(
    'imageRepository',
    repository,
    IMAGE_REPOSITORY,
    'an image repository such as "ghcr.io/org/name"',
  );
  const tag = props.imageTag ?? DEFAULT_IMAGE_TAG;
  checkPattern('imageTag', tag, IMAGE_TAG, 'an image tag such as "0.1.0"');
  if (props.imageDigest === undefined) return `${repository}:${tag}`;
  checkPattern('imageDigest', props.imageDigest, IMAGE_DIGEST, 'a digest "sha256:<64 hex digits>"');
  return `${repository}:${tag}@${props.imageDigest}`;
}

function resolveResources(
  prop: string,
  given: ResourceQuantities | undefined,
  defaults: Required<ResourceQuantities>,
): ResourceQuantities {
  const resolved = { ...defaults, ...given };
  for (const [key, value] of Object.entries(resolved)) checkQuantity(`${prop}.${key}`, value);
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
    region: s.region ?? 'us-east-1',
    httpTokens: s.httpTokens ?? HttpTokens.OPTIONAL,
    sessionDuration: s.sessionDuration ?? 3600,
    tokenAudience: s.tokenAudience ?? 'sts.amazonaws.com',
    tokenExpiration: s.tokenExpiration ?? 3600,
    mode: s.mode ?? SidecarMode.AUTO,
    stsEndpoint: s.stsEndpoint,
    // The webhook's --sidecar-* defaults, measured (emulator/src/webhook/server/config.ts cites the figures).
    resources: resolveResources('sidecar.resources', s.resources, {
      cpuRequest: '5m',
      memoryRequest: '32Mi',
      cpuLimit: '1',
      memoryLimit: '128Mi',
    }),
  };
  checkRegion('sidecar.region', resolved.region!);
  checkEnum('sidecar.httpTokens', resolved.httpTokens!, HttpTokens);
  checkInt('sidecar.sessionDuration', resolved.sessionDuration!, 900, 43200);
  checkPattern(
    'sidecar.tokenAudience',
    resolved.tokenAudience!,
    AUDIENCE,
    'a non-empty audience without spaces',
  );
  checkInt('sidecar.tokenExpiration', resolved.tokenExpiration!, 600, 86400);
  checkEnum('sidecar.mode', resolved.mode!, SidecarMode);
  if (resolved.stsEndpoint !== undefined) {
    checkPattern('sidecar.stsEndpoint', resolved.stsEndpoint, URL_PATTERN, 'an http(s) URL');
  }
  return resolved;
}
