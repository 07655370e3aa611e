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
  ENABLED_SELECTOR,
  WEBHOOK_FLAGS as F,
  HTTP_URL,
  IMAGE_DIGEST,
  IMAGE_REPOSITORY,
  IMAGE_TAG,
  INSTALL_NAME,
  type IntRule,
  PORT,
  REGION,
  REPLICAS,
  type Resources,
  SESSION_DURATION,
  SIDECAR_RESOURCES,
  TIMEOUT_SECONDS,
  TOKEN_EXPIRATION,
  WEBHOOK_METRICS_PORT,
  WEBHOOK_RESOURCES,
} from '@imds-emulator/contract';
import { ApiObject, type ApiObjectMetadata, Duration } from 'cdk8s';
import { type ContainerResources, type ImagePullPolicy, type ISecret, k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CertificateMode, WebhookCertificate } from './certificate';
import { dashboardConfigMap } from './dashboard';
import {
  CLASSIC_JOB_PODS_RULE,
  FAILURE_POLICY_RULE,
  HTTP_TOKENS_RULE,
  IMAGE_PULL_POLICY_RULE,
  LOG_LEVEL_RULE,
  SIDECAR_MODE_RULE,
} from './enum-rules';
import type { ClassicJobPods, FailurePolicy, HttpTokens, LogLevel } from './enums';
import { SidecarMode } from './enums';
import { podMonitor, prometheusRule, serviceMonitor } from './monitoring';
import { resolveResources } from './quantity';
import { restrictedContainer } from './security';
import { type StsCaBundle, StsCaBundleSource } from './sts-ca-bundle';
import { check } from './validate';

/** Props of {@link ImdsEmulator}. Every prop is optional: `new ImdsEmulator(chart, 'imds-emulator')` installs it. */
export interface ImdsEmulatorProps {
  /**
   * Metadata of the install. `name` names the namespaced objects (like a Helm release's fullname; cluster-scoped
   * ones are `<namespace>-<name>`, so installs in different namespaces never collide), a DNS-1035 label of at most
   * 52 characters; `namespace` is where they go (it is not created); `labels` and `annotations` go on every object
   * (the labels on the webhook pods too).
   * @default - name "imds-emulator", namespace "imds-emulator", no extra labels or annotations
   */
  readonly metadata?: ApiObjectMetadata;
  /** Image repository of the webhook and the injected containers. @default "ghcr.io/imds-emulator/imds-emulator" */
  readonly imageRepository?: string;
  /** Image tag. @default "0.1.0" (this library's version) */
  readonly imageTag?: string;
  /** Image digest (`sha256:<64 hex>`), appended as `repo:tag@digest`. @default - none, the tag alone */
  readonly imageDigest?: string;
  /** Pull policy of the webhook and of the injected containers. @default ImagePullPolicy.IF_NOT_PRESENT */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Secrets with the registry credentials to pull the webhook's image.
   * @see https://kubernetes.io/docs/concepts/containers/images/#specifying-imagepullsecrets-on-a-pod
   * @default - none
   */
  readonly imagePullSecrets?: ISecret[];
  /** Webhook replicas, 1..100. A PodDisruptionBudget (`minAvailable: 1`) is added when above 1. @default 2 */
  readonly replicas?: number;
  /**
   * Resources of the webhook container.
   * @default - requests cpu 50m, memory 224Mi; limits cpu 500m, memory 384Mi
   */
  readonly resources?: ContainerResources;
  /** Log level of the webhook. @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /** `priorityClassName` of the webhook pods, e.g. `system-cluster-critical`. @default - none */
  readonly priorityClassName?: string;
  /** `nodeSelector` of the webhook pods. @default - none */
  readonly nodeSelector?: { [key: string]: string };
  /** Tolerations of the webhook pods. @default - none */
  readonly tolerations?: k8s.Toleration[];
  /** Affinity of the webhook pods. @default - none */
  readonly affinity?: k8s.Affinity;
  /**
   * Topology spread constraints of the webhook pods; replaces the defaults.
   * @default - a soft spread (maxSkew 1, ScheduleAnyway) across `kubernetes.io/hostname` and
   * `topology.kubernetes.io/zone`
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** Extra annotations of the webhook pods. @default - none */
  readonly podAnnotations?: { [key: string]: string };
  /** Extra labels of the webhook pods (not used to select them). @default - none */
  readonly podLabels?: { [key: string]: string };
  /** Annotations of the webhook's ServiceAccount. @default - none */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /** What happens to an opted-in pod when the webhook is unreachable. @default FailurePolicy.FAIL */
  readonly failurePolicy?: FailurePolicy;
  /** Webhook call timeout, 1..30 whole seconds. @default Duration.seconds(5) */
  readonly timeout?: Duration;
  /**
   * Namespaces the webhook never sees, in addition to its own and `kube-system` (always excluded).
   * @default - none
   */
  readonly excludedNamespaces?: string[];
  /**
   * Whether the webhook enforces the `allowed-role-arns` namespace annotation (`--namespace-policy`).
   * @default true
   */
  readonly namespacePolicy?: boolean;
  /** How the webhook gets its TLS certificate. @default WebhookCertificate.selfManaged() */
  readonly certificate?: WebhookCertificate;
  /** AWS region of the injected sidecars' STS endpoint, unless a pod's annotation says otherwise. @default "us-east-1" */
  readonly sidecarRegion?: string;
  /** IMDSv2 session tokens of the injected sidecars, unless annotated. @default HttpTokens.OPTIONAL */
  readonly sidecarHttpTokens?: HttpTokens;
  /** STS session duration, 900..43200 whole seconds, unless annotated. @default Duration.hours(1) */
  readonly sidecarSessionDuration?: Duration;
  /** Audience of the projected service-account token. @default "sts.amazonaws.com" */
  readonly sidecarTokenAudience?: string;
  /** `expirationSeconds` of the projected token, 600..4294967295 whole seconds. @default Duration.hours(1) */
  readonly sidecarTokenExpiration?: Duration;
  /** Native or classic sidecar. @default SidecarMode.AUTO */
  readonly sidecarMode?: SidecarMode;
  /**
   * What the webhook does with a Job's pod that would get a classic sidecar, which keeps it from ever completing
   * (`--classic-job-pods`).
   * @default ClassicJobPods.DENY
   */
  readonly classicJobPods?: ClassicJobPods;
  /**
   * Whether the injected sidecars also answer the region and identity paths, unless a pod's `serve-region`
   * annotation says otherwise (`--default-serve-region`).
   * @default false
   */
  readonly sidecarServeRegion?: boolean;
  /** STS endpoint URL for every sidecar, e.g. a VPC endpoint. @default - the regional endpoint */
  readonly sidecarStsEndpoint?: string;
  /**
   * CA certificates the injected sidecars trust for `sidecarStsEndpoint` (a private endpoint's CA).
   * @default - none: Node's own CAs, enough for the public STS endpoints
   */
  readonly sidecarStsCaBundle?: StsCaBundle;
  /** IMDS port of the injected sidecar (on the pod's loopback). @default 16925 */
  readonly sidecarPort?: number;
  /** Health port of the injected sidecar. @default 16926 */
  readonly sidecarHealthPort?: number;
  /**
   * Resources of each injected sidecar.
   * @default - requests cpu 5m, memory 32Mi; limits cpu 1, memory 128Mi
   */
  readonly sidecarResources?: ContainerResources;
  /**
   * A Prometheus Operator ServiceMonitor for the webhook, and a `metrics` port on its Service (the health port, which
   * serves `/metrics`). Needs the monitoring.coreos.com CRDs.
   * @default false
   */
  readonly metricsServiceMonitor?: boolean;
  /**
   * A Prometheus Operator PodMonitor scraping the sidecar of every opted-in pod, in every namespace, on its
   * `imds-metrics` port. Needs the monitoring.coreos.com CRDs.
   * @default false
   */
  readonly metricsPodMonitor?: boolean;
  /**
   * A Prometheus Operator PrometheusRule with the alerts of docs/metrics.md. The webhook's alerts expect it to be
   * scraped by `metricsServiceMonitor` (they select its job). Needs the monitoring.coreos.com CRDs.
   * @default false
   */
  readonly metricsPrometheusRule?: boolean;
  /**
   * A Grafana dashboard of the webhook's and the sidecars' metrics, in a ConfigMap `<name>-dashboard` labelled
   * `grafana_dashboard: "1"` for Grafana's dashboard sidecar (which must search this namespace).
   * @default false
   */
  readonly metricsGrafanaDashboard?: boolean;
  /**
   * Extra labels of the ServiceMonitor, PodMonitor and PrometheusRule, e.g. the ones your Prometheus selects them by
   * (`release: kube-prometheus-stack`).
   * @default - none
   */
  readonly metricsLabels?: { [key: string]: string };
}

const WEBHOOK_PORT = F.port.default;
const HEALTH_PORT = F.healthPort.default;
const SERVICE_PORT = 443;
const TLS_DIR = '/etc/imds-emulator/tls';
const RUN_AS = 65532;

/** Whole seconds of a duration, checked against `rule` (the error names `prop`). */
function seconds(prop: string, rule: IntRule, duration: Duration): number {
  const value = duration.toSeconds({ integral: false });
  check(prop, rule, value);
  return value;
}

/** A prop that is a port, checked. */
function port(prop: string, value: number): number {
  check(prop, PORT, value);
  return value;
}

/**
 * A complete install of the imds-emulator admission webhook: ServiceAccount, least-privilege RBAC, Deployment,
 * PodDisruptionBudget, Service, MutatingWebhookConfiguration, (in cert-manager mode) Issuer and Certificate, and
 * optionally the Prometheus Operator ServiceMonitor, PodMonitor and PrometheusRule and a Grafana dashboard.
 *
 * The MutatingWebhookConfiguration is the default child (`ApiObject.of(emulator)`), the escape hatch for fields this
 * construct does not model; the Deployment and the Service are public members for the same purpose.
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
  /** Log level of the webhook. */
  public readonly logLevel: LogLevel;
  /** Failure policy of the webhook. */
  public readonly failurePolicy: FailurePolicy;
  /** Webhook call timeout. */
  public readonly timeout: Duration;
  /** Every namespace excluded from the webhook: its own, `kube-system`, then the extras. */
  public readonly excludedNamespaces: string[];
  /** Whether the webhook enforces the `allowed-role-arns` namespace annotation. */
  public readonly namespacePolicy: boolean;
  /** How the webhook gets its certificate. */
  public readonly certificate: WebhookCertificate;
  /** Default region of the injected sidecars. */
  public readonly sidecarRegion: string;
  /** Default IMDSv2 session tokens of the injected sidecars. */
  public readonly sidecarHttpTokens: HttpTokens;
  /** Default STS session duration of the injected sidecars. */
  public readonly sidecarSessionDuration: Duration;
  /** Audience of the projected service-account token. */
  public readonly sidecarTokenAudience: string;
  /** `expirationSeconds` of the projected token. */
  public readonly sidecarTokenExpiration: Duration;
  /** Native or classic sidecar. */
  public readonly sidecarMode: SidecarMode;
  /** What the webhook does with a Job's pod that would get a classic sidecar. */
  public readonly classicJobPods: ClassicJobPods;
  /** Whether the injected sidecars answer the region and identity paths, unless annotated. */
  public readonly sidecarServeRegion: boolean;
  /** IMDS port of the injected sidecar. */
  public readonly sidecarPort: number;
  /** Health port of the injected sidecar. */
  public readonly sidecarHealthPort: number;
  /** Name of the Secret holding the serving certificate. */
  public readonly certificateSecretName: string;
  /** Labels selecting the webhook pods. */
  public readonly selectorLabels: { [key: string]: string };
  /** The webhook's Deployment. */
  public readonly deployment: k8s.KubeDeployment;
  /** The webhook's Service. */
  public readonly service: k8s.KubeService;
  /** The MutatingWebhookConfiguration (also the default child). */
  public readonly webhookConfiguration: k8s.KubeMutatingWebhookConfiguration;
  /** The webhook's ServiceMonitor, with `metricsServiceMonitor`. */
  public readonly serviceMonitor?: ApiObject;
  /** The sidecars' PodMonitor, with `metricsPodMonitor`. */
  public readonly podMonitor?: ApiObject;
  /** The alerts, with `metricsPrometheusRule`. */
  public readonly prometheusRule?: ApiObject;
  /** The Grafana dashboard's ConfigMap, with `metricsGrafanaDashboard`. */
  public readonly grafanaDashboard?: k8s.KubeConfigMap;

  private readonly labels: { [key: string]: string };
  private readonly annotations?: { [key: string]: string };

  public constructor(scope: Construct, id: string, props: ImdsEmulatorProps = {}) {
    super(scope, id);
    this.name = props.metadata?.name ?? DEFAULT_NAME;
    check('metadata.name', INSTALL_NAME, this.name);
    this.namespace = props.metadata?.namespace ?? DEFAULT_NAMESPACE;
    check('metadata.namespace', DNS1123_LABEL, this.namespace);
    this.clusterScopedName = `${this.namespace}-${this.name}`;
    this.certificateSecretName = `${this.name}-tls`;

    this.image = imageReference(props);
    this.imagePullPolicy = props.imagePullPolicy ?? (F.imagePullPolicy.default as ImagePullPolicy);
    check('imagePullPolicy', IMAGE_PULL_POLICY_RULE, this.imagePullPolicy);
    this.replicas = props.replicas ?? DEFAULT_REPLICAS;
    check('replicas', REPLICAS, this.replicas);
    this.logLevel = props.logLevel ?? (F.logLevel.default as LogLevel);
    check('logLevel', LOG_LEVEL_RULE, this.logLevel);
    if (props.priorityClassName !== undefined) {
      check('priorityClassName', DNS1123_SUBDOMAIN, props.priorityClassName);
    }
    this.failurePolicy = props.failurePolicy ?? (DEFAULT_FAILURE_POLICY as FailurePolicy);
    check('failurePolicy', FAILURE_POLICY_RULE, this.failurePolicy);
    this.timeout = props.timeout ?? Duration.seconds(DEFAULT_TIMEOUT_SECONDS);
    const timeoutSeconds = seconds('timeout', TIMEOUT_SECONDS, this.timeout);
    for (const ns of props.excludedNamespaces ?? []) check('excludedNamespaces', DNS1123_LABEL, ns);
    this.excludedNamespaces = [this.namespace, 'kube-system', ...(props.excludedNamespaces ?? [])];
    this.namespacePolicy = props.namespacePolicy ?? F.namespacePolicy.default === 'true';
    this.certificate = props.certificate ?? WebhookCertificate.selfManaged();

    this.sidecarRegion = props.sidecarRegion ?? F.defaultRegion.default;
    check('sidecarRegion', REGION, this.sidecarRegion);
    this.sidecarHttpTokens = props.sidecarHttpTokens ?? (F.defaultHttpTokens.default as HttpTokens);
    check('sidecarHttpTokens', HTTP_TOKENS_RULE, this.sidecarHttpTokens);
    this.sidecarSessionDuration =
      props.sidecarSessionDuration ?? Duration.seconds(F.defaultSessionDuration.default);
    this.sidecarTokenAudience = props.sidecarTokenAudience ?? F.tokenAudience.default;
    check('sidecarTokenAudience', AUDIENCE, this.sidecarTokenAudience);
    this.sidecarTokenExpiration = props.sidecarTokenExpiration ?? Duration.seconds(F.tokenExpiration.default);
    this.sidecarMode = props.sidecarMode ?? (F.sidecarMode.default as SidecarMode);
    check('sidecarMode', SIDECAR_MODE_RULE, this.sidecarMode);
    this.classicJobPods = props.classicJobPods ?? (F.classicJobPods.default as ClassicJobPods);
    check('classicJobPods', CLASSIC_JOB_PODS_RULE, this.classicJobPods);
    this.sidecarServeRegion = props.sidecarServeRegion ?? F.defaultServeRegion.default === 'true';
    if (props.sidecarStsEndpoint !== undefined)
      check('sidecarStsEndpoint', HTTP_URL, props.sidecarStsEndpoint);
    this.sidecarPort = port('sidecarPort', props.sidecarPort ?? F.sidecarPort.default);
    this.sidecarHealthPort = port(
      'sidecarHealthPort',
      props.sidecarHealthPort ?? F.sidecarHealthPort.default,
    );
    // The webhook refuses equal ports at start-up: refuse them here rather than install a crash-looping webhook.
    if (this.sidecarHealthPort === this.sidecarPort) {
      throw new Error(`sidecarHealthPort must differ from sidecarPort, got ${this.sidecarPort} for both`);
    }
    const sidecarResources = resolveResources('sidecarResources', props.sidecarResources, SIDECAR_RESOURCES);
    const sidecarFlags: SidecarFlags = {
      defaultSessionDuration: seconds(
        'sidecarSessionDuration',
        SESSION_DURATION,
        this.sidecarSessionDuration,
      ),
      tokenExpiration: seconds('sidecarTokenExpiration', TOKEN_EXPIRATION, this.sidecarTokenExpiration),
      stsEndpoint: props.sidecarStsEndpoint,
      stsCaBundle: props.sidecarStsCaBundle,
      resources: sidecarResources,
    };

    this.selectorLabels = {
      'app.kubernetes.io/name': 'imds-emulator',
      'app.kubernetes.io/instance': this.name,
    };
    this.labels = {
      ...this.selectorLabels,
      'app.kubernetes.io/component': 'webhook',
      'app.kubernetes.io/part-of': 'imds-emulator',
      ...props.metadata?.labels,
    };
    this.annotations = props.metadata?.annotations;

    const selfManaged = this.certificate.mode === CertificateMode.SELF_MANAGED;
    this.webhookConfiguration = this.renderWebhookConfiguration(timeoutSeconds);
    this.serviceAccount(props.serviceAccountAnnotations);
    this.rbac(selfManaged);
    this.deployment = this.renderDeployment(props, selfManaged, sidecarFlags);
    if (this.replicas > 1) this.podDisruptionBudget();
    this.service = this.renderService(props.metricsServiceMonitor === true);
    if (!selfManaged) this.certManagerObjects();
    // Standard labels win over extra ones, as on the pods.
    const monitoring = {
      metadata: { ...this.meta(this.name), labels: { ...props.metricsLabels, ...this.labels } },
      selectorLabels: this.selectorLabels,
    };
    if (props.metricsServiceMonitor) this.serviceMonitor = serviceMonitor(this, monitoring);
    if (props.metricsPodMonitor) this.podMonitor = podMonitor(this, monitoring);
    // The ServiceMonitor's job is the Service's name.
    if (props.metricsPrometheusRule) this.prometheusRule = prometheusRule(this, monitoring, this.name);
    if (props.metricsGrafanaDashboard) {
      this.grafanaDashboard = dashboardConfigMap(this, this.meta(`${this.name}-dashboard`));
    }
    this.node.defaultChild = this.webhookConfiguration;
  }

  private meta(name: string, namespaced = true, annotations?: { [key: string]: string }): k8s.ObjectMeta {
    const all = this.annotations || annotations ? { ...this.annotations, ...annotations } : undefined;
    return {
      name,
      ...(namespaced ? { namespace: this.namespace } : {}),
      labels: { ...this.labels },
      annotations: all,
    };
  }

  private renderWebhookConfiguration(timeoutSeconds: number): k8s.KubeMutatingWebhookConfiguration {
    // cert-manager's cainjector copies the CA into caBundle; rendering none avoids a perpetual GitOps diff.
    const annotations =
      this.certificate.mode === CertificateMode.CERT_MANAGER
        ? { 'cert-manager.io/inject-ca-from': `${this.namespace}/${this.certificateSecretName}` }
        : undefined;
    const metadata = this.meta(this.clusterScopedName, false, annotations);
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
          // Only pods that carry the opt-in label wait on this webhook. Any value reaches it, so that a near miss such
          // as `true` gets a warning; only `True` is injected.
          objectSelector: { matchExpressions: ENABLED_SELECTOR.matchExpressions.map((e) => ({ ...e })) },
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
          timeoutSeconds,
        },
      ],
    });
  }

  private serviceAccount(annotations: { [key: string]: string } | undefined): void {
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: this.meta(this.name, true, annotations),
      automountServiceAccountToken: true,
    });
  }

  private rbac(selfManaged: boolean): void {
    const subjects = [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }];
    const clusterRules: k8s.PolicyRule[] = [
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
    ];
    if (this.sidecarMode === SidecarMode.AUTO) {
      // Only auto mode reads Nodes: it injects native sidecars only while every kubelet is >= 1.29.
      clusterRules.push({ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] });
    }
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

  private webhookArgs(selfManaged: boolean, sidecar: SidecarFlags): string[] {
    const r = sidecar.resources;
    const ca = sidecar.stsCaBundle;
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
      logLevel: this.logLevel,
      namespacePolicy: this.namespacePolicy,
      sidecarMode: this.sidecarMode,
      classicJobPods: this.classicJobPods,
      sidecarPort: this.sidecarPort,
      sidecarHealthPort: this.sidecarHealthPort,
      defaultRegion: this.sidecarRegion,
      defaultHttpTokens: this.sidecarHttpTokens,
      defaultSessionDuration: sidecar.defaultSessionDuration,
      defaultServeRegion: this.sidecarServeRegion,
      tokenAudience: this.sidecarTokenAudience,
      tokenExpiration: sidecar.tokenExpiration,
      sidecarCpuRequest: r.cpuRequest,
      sidecarMemoryRequest: r.memoryRequest,
      sidecarCpuLimit: r.cpuLimit,
      sidecarMemoryLimit: r.memoryLimit,
      stsEndpoint: sidecar.stsEndpoint,
      ...(ca && {
        [ca.source === StsCaBundleSource.CONFIG_MAP ? 'stsCaBundleConfigmap' : 'stsCaBundleSecret']: ca.name,
        stsCaBundleKey: ca.key,
      }),
    };
    return [
      'webhook',
      ...Object.entries(flags)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `--${F[key as keyof typeof F].name}=${value}`),
    ];
  }

  private renderDeployment(
    props: ImdsEmulatorProps,
    selfManaged: boolean,
    sidecar: SidecarFlags,
  ): k8s.KubeDeployment {
    const resources = resolveResources('resources', props.resources, WEBHOOK_RESOURCES);
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
    const podLabels = { ...props.podLabels, ...this.labels };
    const imagePullSecrets = props.imagePullSecrets?.map((secret) => ({ name: secret.name }));
    return new k8s.KubeDeployment(this, 'Deployment', {
      metadata: this.meta(this.name),
      spec: {
        replicas: this.replicas,
        selector: { matchLabels: { ...this.selectorLabels } },
        template: {
          metadata: { labels: podLabels, annotations: props.podAnnotations },
          spec: {
            serviceAccountName: this.name,
            // The webhook talks to the API server (namespaces, and its Secret and webhook configuration).
            automountServiceAccountToken: true,
            priorityClassName: props.priorityClassName,
            imagePullSecrets,
            nodeSelector: props.nodeSelector,
            tolerations: props.tolerations,
            affinity: props.affinity,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUN_AS,
              runAsGroup: RUN_AS,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: props.topologySpreadConstraints ?? [
              spread('kubernetes.io/hostname'),
              spread('topology.kubernetes.io/zone'),
            ],
            containers: [
              {
                name: 'webhook',
                image: this.image,
                imagePullPolicy: this.imagePullPolicy,
                args: this.webhookArgs(selfManaged, sidecar),
                env: [
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [
                  { name: 'https', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                ],
                livenessProbe: probe('/healthz', 10),
                readinessProbe: probe('/readyz', 5),
                resources: kubeResources(resources),
                securityContext: restrictedContainer(),
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

  /** `metrics`: also the health port, for the ServiceMonitor (not exposed through the Service otherwise). */
  private renderService(metrics: boolean): k8s.KubeService {
    const port = (name: string, number: number, target: string): k8s.ServicePort => ({
      name,
      port: number,
      protocol: 'TCP',
      targetPort: k8s.IntOrString.fromString(target),
    });
    return new k8s.KubeService(this, 'Service', {
      metadata: this.meta(this.name),
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [
          port('https', SERVICE_PORT, 'https'),
          ...(metrics ? [port(WEBHOOK_METRICS_PORT, HEALTH_PORT, 'health')] : []),
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

function kubeResources(r: Resources): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(r.cpuRequest),
      memory: k8s.Quantity.fromString(r.memoryRequest),
    },
    limits: { cpu: k8s.Quantity.fromString(r.cpuLimit), memory: k8s.Quantity.fromString(r.memoryLimit) },
  };
}

/** What the webhook passes to every sidecar, resolved to the flags' units. */
interface SidecarFlags {
  readonly defaultSessionDuration: number;
  readonly tokenExpiration: number;
  readonly stsEndpoint?: string;
  readonly stsCaBundle?: StsCaBundle;
  readonly resources: Resources;
}
