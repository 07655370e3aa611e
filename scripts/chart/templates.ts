/**
 * Turns the ImdsEmulator construct into Helm templates. Every value gets a unique marker (a valid value the output
 * cannot otherwise contain); the construct is synthesized with the markers, once per certificate variant; markers are
 * replaced by Helm expressions and the variants are merged under `{{- if }}`. The manifests therefore come only from
 * the construct: this file knows where values go, never what the objects look like.
 */
import { Testing } from 'cdk8s';
import * as yaml from 'yaml';
import { ImdsEmulator, SidecarMode } from '../../constructs/src';
import { mergeTemplates, mergeText } from './merge';
import { addSelfCheck, SELF_CHECK_CONDITION, SELF_CHECK_FILE } from './self-check';
import { CHART_NAME, defaultValues, mergeValues, propsFromValues, type Values } from './values';

/** How one marker becomes Helm text. */
interface Marker {
  /** Values path the marker is placed at, if it is a value. */
  readonly path?: string;
  /** The marker value given to the construct. */
  readonly value: unknown;
  /** Text to look for in the output (default: the value). */
  readonly find?: string;
  /** Helm text replacing `find` inside a string (default: `{{ expr }}`). */
  readonly text?: string;
  /** Helm expression of the value. */
  readonly expr: string;
  /** Numbers are matched as whole numeric fields only. */
  readonly number?: boolean;
  /** Optional value: the line carrying it is rendered only if `expr` (or `when`) is non-empty. */
  readonly optional?: boolean;
  /** The condition of an optional value's line, when not its own expression. */
  readonly when?: string;
  /** A list value: the marker list item expands to one item per element. */
  readonly list?: boolean;
}

/**
 * A free-form Kubernetes block, passed through with `toYaml`: its marker is the whole rendered value. `block`: a
 * mapping key rendered only when the value is not empty; `entries`: entries merged into a mapping the construct also
 * fills (the marker is one entry); `override`: replaces what the construct renders by default (its variants are
 * merged under `{{- if }}`).
 */
interface BlockMarker {
  readonly path: string;
  readonly value: unknown;
  readonly kind: 'block' | 'entries' | 'override';
}

const FULLNAME = `include "${CHART_NAME}.fullname" .`;
const DIGEST = `sha256:${'e'.repeat(64)}`;

/** A marker of its own: the ClusterRole also depends on whether the mode is auto. */
const MODE = { path: 'sidecar.mode', value: SidecarMode.NATIVE, expr: '.Values.sidecar.mode' };
const AUTO_MODE = `eq ${MODE.expr} "${SidecarMode.AUTO}"`;

/** The CA bundle comes from a ConfigMap or a Secret: each is set in its own variant. */
const CA_CONFIGMAP: Marker = {
  path: 'sidecar.stsCaBundle.configMap',
  value: 'zzcaconfigmapzz',
  optional: true,
  expr: '.Values.sidecar.stsCaBundle.configMap',
};
const CA_SECRET: Marker = {
  path: 'sidecar.stsCaBundle.secret',
  value: 'zzcasecretzz',
  optional: true,
  expr: '.Values.sidecar.stsCaBundle.secret',
};

const MARKERS: Marker[] = [
  { value: 'zzfullnamezz', expr: FULLNAME },
  { value: 'zznamespacezz', expr: '.Release.Namespace' },
  { value: 'zzchartzz', expr: `include "${CHART_NAME}.chart" .` },
  { value: 'zzservicezz', expr: '.Release.Service' },
  { path: 'image.repository', value: 'zzrepozz', expr: '.Values.image.repository' },
  { path: 'image.tag', value: 'zztagzz', expr: '.Values.image.tag' },
  {
    path: 'image.digest',
    value: DIGEST,
    find: `@${DIGEST}`,
    text: '{{ with .Values.image.digest }}@{{ . }}{{ end }}',
    expr: '.Values.image.digest',
  },
  // Not "Never" (the test pod's restartPolicy) nor "Always" (the certificate's rotationPolicy).
  { path: 'image.pullPolicy', value: 'IfNotPresent', expr: '.Values.image.pullPolicy' },
  { path: 'replicaCount', value: 97, number: true, expr: 'int .Values.replicaCount' },
  { path: 'resources.requests.cpu', value: '111m', expr: '.Values.resources.requests.cpu' },
  { path: 'resources.requests.memory', value: '112Mi', expr: '.Values.resources.requests.memory' },
  { path: 'resources.limits.cpu', value: '113m', expr: '.Values.resources.limits.cpu' },
  { path: 'resources.limits.memory', value: '114Mi', expr: '.Values.resources.limits.memory' },
  { path: 'priorityClassName', value: 'zzpriorityzz', optional: true, expr: '.Values.priorityClassName' },
  { path: 'webhook.failurePolicy', value: 'Ignore', expr: '.Values.webhook.failurePolicy' },
  { path: 'webhook.timeoutSeconds', value: 29, number: true, expr: 'int .Values.webhook.timeoutSeconds' },
  {
    path: 'webhook.excludedNamespaces',
    value: ['zzextranszz'],
    find: 'zzextranszz',
    list: true,
    expr: '.Values.webhook.excludedNamespaces',
  },
  {
    path: 'certificate.certManager.issuer.kind',
    value: 'Zzkindzz',
    expr: '.Values.certificate.certManager.issuer.kind',
  },
  {
    path: 'certificate.certManager.issuer.group',
    value: 'zzgroupzz.io',
    expr: '.Values.certificate.certManager.issuer.group',
  },
  { path: 'logLevel', value: 'fatal', expr: '.Values.logLevel' },
  {
    path: 'namespacePolicy.enabled',
    value: false,
    find: 'namespace-policy=false',
    text: 'namespace-policy={{ .Values.namespacePolicy.enabled }}',
    expr: '.Values.namespacePolicy.enabled',
  },
  {
    path: 'classicJobPods',
    value: 'warn',
    find: 'classic-job-pods=warn',
    text: 'classic-job-pods={{ .Values.classicJobPods }}',
    expr: '.Values.classicJobPods',
  },
  {
    path: 'sidecar.serveRegion',
    value: true,
    find: 'default-serve-region=true',
    text: 'default-serve-region={{ .Values.sidecar.serveRegion }}',
    expr: '.Values.sidecar.serveRegion',
  },
  { path: 'sidecar.port', value: 41011, expr: 'int .Values.sidecar.port' },
  MODE,
  { path: 'sidecar.healthPort', value: 41012, expr: 'int .Values.sidecar.healthPort' },
  { path: 'sidecar.region', value: 'zz-marker-1', expr: '.Values.sidecar.region' },
  { path: 'sidecar.httpTokens', value: 'required', expr: '.Values.sidecar.httpTokens' },
  { path: 'sidecar.sessionDuration', value: 43111, expr: 'int .Values.sidecar.sessionDuration' },
  { path: 'sidecar.tokenAudience', value: 'zzaudiencezz', expr: '.Values.sidecar.tokenAudience' },
  { path: 'sidecar.tokenExpiration', value: 85111, expr: 'int .Values.sidecar.tokenExpiration' },
  {
    path: 'sidecar.stsEndpoint',
    value: 'https://zzstszz',
    optional: true,
    expr: '.Values.sidecar.stsEndpoint',
  },
  CA_CONFIGMAP,
  CA_SECRET,
  {
    path: 'sidecar.stsCaBundle.key',
    value: 'zzcakeyzz',
    optional: true,
    when: `or ${CA_CONFIGMAP.expr} ${CA_SECRET.expr}`,
    expr: '.Values.sidecar.stsCaBundle.key',
  },
  { path: 'sidecar.resources.requests.cpu', value: '121m', expr: '.Values.sidecar.resources.requests.cpu' },
  {
    path: 'sidecar.resources.requests.memory',
    value: '122Mi',
    expr: '.Values.sidecar.resources.requests.memory',
  },
  { path: 'sidecar.resources.limits.cpu', value: '123m', expr: '.Values.sidecar.resources.limits.cpu' },
  {
    path: 'sidecar.resources.limits.memory',
    value: '124Mi',
    expr: '.Values.sidecar.resources.limits.memory',
  },
  {
    path: 'test.roleArn',
    value: 'arn:aws:iam::999999999999:role/zztestrolezz',
    expr: '.Values.test.roleArn',
  },
  { path: 'test.namespace', value: 'zztestnszz', expr: '.Values.test.namespace' },
  { path: 'test.serviceAccountName', value: 'zztestsazz', expr: '.Values.test.serviceAccountName' },
  {
    path: 'test.stsEndpoint',
    value: 'https://zzteststszz',
    optional: true,
    expr: '.Values.test.stsEndpoint',
  },
];

const BLOCKS: BlockMarker[] = [
  { path: 'imagePullSecrets', value: [{ name: 'zzpullsecretzz' }], kind: 'block' },
  { path: 'nodeSelector', value: { zznodeselectorzz: 'zznodezz' }, kind: 'block' },
  { path: 'tolerations', value: [{ key: 'zztolerationzz', operator: 'Exists' }], kind: 'block' },
  {
    path: 'affinity',
    value: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zzaffinityzz', operator: 'Exists' }] }],
        },
      },
    },
    kind: 'block',
  },
  { path: 'podAnnotations', value: { zzpodannotationzz: 'zzpodannotationvaluezz' }, kind: 'block' },
  { path: 'serviceAccount.annotations', value: { zzsaannotationzz: 'zzsaannotationvaluezz' }, kind: 'block' },
  { path: 'podLabels', value: { zzpodlabelzz: 'zzpodlabelvaluezz' }, kind: 'entries' },
  { path: 'metrics.additionalLabels', value: { zzmetricslabelzz: 'zzmetricslabelvaluezz' }, kind: 'entries' },
  {
    path: 'topologySpreadConstraints',
    value: [{ maxSkew: 3, topologyKey: 'zzspreadzz', whenUnsatisfiable: 'DoNotSchedule' }],
    kind: 'override',
  },
];
const SPREAD = BLOCKS.find((b) => b.kind === 'override')!;

/** JSON with sorted keys, to compare a synthesized node with a block marker. */
function canonical(node: unknown): string {
  const sort = (n: unknown): unknown =>
    Array.isArray(n)
      ? n.map(sort)
      : typeof n === 'object' && n !== null
        ? Object.fromEntries(
            Object.keys(n)
              .sort()
              .map((k) => [k, sort((n as Record<string, unknown>)[k])]),
          )
        : n;
  return JSON.stringify(sort(node));
}

const helmPath = (path: string) => `.Values.${path}`;

/** The issuer name marker selects a variant, so it is set per variant. */
const ISSUER_NAME: Marker = {
  path: 'certificate.certManager.issuer.name',
  value: 'zzissuerzz',
  expr: '.Values.certificate.certManager.issuer.name',
};

/** Objects rendered only under a condition the construct expresses with a plain `if` on a prop. */
const OBJECT_CONDITIONS: Record<string, string> = {
  PodDisruptionBudget: 'gt (int .Values.replicaCount) 1',
  PodMonitor: '.Values.metrics.podMonitor.enabled',
  PrometheusRule: '.Values.metrics.prometheusRule.enabled',
  ConfigMap: '.Values.metrics.grafanaDashboard.enabled',
  Pod: SELF_CHECK_CONDITION,
};
/** Renders the ServiceMonitor and the Service's metrics port: a variant of its own (the Service differs). */
const SERVICE_MONITOR = 'metrics.serviceMonitor.enabled';
/** Template files not named after their object's kind. */
const FILE_NAMES: Record<string, string> = { Pod: SELF_CHECK_FILE };

const SELF_MANAGED = 'eq .Values.certificate.mode "selfManaged"';

function setPath(values: Values, path: string, value: unknown): Values {
  const keys = path.split('.');
  const patch: Values = {};
  keys.reduce<Values>((o, k, i) => {
    o[k] = i === keys.length - 1 ? value : {};
    return o[k] as Values;
  }, patch);
  return mergeValues(values, patch);
}

/** Replacement texts, shared by all variants so equal fields get equal tokens. */
class Tokens {
  private readonly texts: string[] = [];
  private readonly used = new Set<Marker | BlockMarker>();

  public token(text: string): string {
    let i = this.texts.indexOf(text);
    if (i < 0) i = this.texts.push(text) - 1;
    return `HELMSUBST${i}Z`;
  }

  /** Replaces every marked leaf of a synthesized object by a token. */
  public tokenize(node: unknown): unknown {
    if (typeof node === 'object' && node !== null) {
      const block = BLOCKS.find((b) => b.kind !== 'entries' && canonical(b.value) === canonical(node));
      if (block) {
        this.used.add(block);
        return this.token(`${block.kind.toUpperCase()}:${helmPath(block.path)}`);
      }
    }
    if (Array.isArray(node)) return node.map((n) => this.tokenize(n));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => {
          const entries = BLOCKS.find((b) => b.kind === 'entries' && k in (b.value as object));
          if (!entries) return [k, this.tokenize(v)];
          this.used.add(entries);
          return [this.token(`ENTRIES:${helmPath(entries.path)}`), ''];
        }),
      );
    }
    if (typeof node === 'number') {
      const m = MARKERS.find((x) => x.number && x.value === node);
      if (!m) return node;
      this.used.add(m);
      return this.token(`{{ ${m.expr} }}`);
    }
    if (typeof node !== 'string') return node;
    const found = [...MARKERS, ISSUER_NAME].filter(
      (m) => !m.number && node.includes(m.find ?? String(m.value)),
    );
    if (found.length === 0) return node;
    for (const m of found) this.used.add(m);
    const list = found.find((m) => m.list);
    if (list) return this.token(`{{- range ${list.expr} }}\n- {{ . | quote }}\n{{- end }}`);
    let text = node;
    for (const m of found) text = text.split(m.find ?? String(m.value)).join(m.text ?? `{{ ${m.expr} }}`);
    const optional = found.find((m) => m.optional);
    const rendered = `"${text}"`;
    return this.token(
      optional ? `{{- if ${optional.when ?? optional.expr} }}\nLINE:${rendered}\n{{- end }}` : rendered,
    );
  }

  /** Puts the Helm text back in place of the tokens of a YAML document. */
  public substitute(text: string): string {
    return text
      .split('\n')
      .map((line) => {
        const match = /HELMSUBST(\d+)Z/.exec(line);
        if (!match) return line;
        const replacement = this.texts[Number(match[1])];
        const indent = /^\s*/.exec(line)![0];
        const [kind, expr] = replacement.split(':');
        const key = /^\s*([^:]+): HELMSUBST/.exec(line)?.[1];
        const toYaml = (value: string, pad: string) => `${pad}{{- toYaml ${value} | nindent ${pad.length} }}`;
        if (kind === 'BLOCK') {
          return [`{{- with ${expr} }}`, `${indent}${key}:`, toYaml('.', `${indent}  `), '{{- end }}'].join(
            '\n',
          );
        }
        if (kind === 'ENTRIES') return [`{{- with ${expr} }}`, toYaml('.', indent), '{{- end }}'].join('\n');
        if (kind === 'OVERRIDE') return [`${indent}${key}:`, toYaml(expr, `${indent}  `)].join('\n');
        if (replacement.startsWith('{{- range')) {
          return replacement
            .split('\n')
            .map((l) => indent + l)
            .join('\n');
        }
        if (replacement.startsWith('{{- if')) {
          const [open, body, close] = replacement.split('\n');
          return [open, line.replace(match[0], body.slice('LINE:'.length)), close].join('\n');
        }
        return line.replace(match[0], replacement);
      })
      .join('\n');
  }

  /** Markers never found in the output mean the construct stopped using a value: the chart would silently lose it. */
  public unused(): string[] {
    return [...MARKERS, ISSUER_NAME, ...BLOCKS]
      .filter((m) => !this.used.has(m))
      .map((m) => m.path ?? String(m.value));
  }
}

function synthesize(values: Values, tokens: Tokens): Map<string, string> {
  const chart = Testing.chart();
  const props = propsFromValues(values, {
    fullname: 'zzfullnamezz',
    namespace: 'zznamespacezz',
    scope: chart,
  });
  const labelled = {
    ...props,
    metadata: {
      ...props.metadata,
      labels: { 'helm.sh/chart': 'zzchartzz', 'app.kubernetes.io/managed-by': 'zzservicezz' },
    },
  };
  addSelfCheck(chart, values, new ImdsEmulator(chart, 'imds-emulator', labelled), labelled);
  const out = new Map<string, string>();
  for (const obj of Testing.synth(chart)) {
    const kind = obj.kind as string;
    if (out.has(kind)) throw new Error(`two ${kind} objects: give each its own template file`);
    out.set(kind, yaml.stringify(tokens.tokenize(obj), { lineWidth: 0 }).trimEnd());
  }
  return out;
}

/** Every certificate, CA bundle, ServiceMonitor and spread variant of the objects, merged under their conditions. */
function renderVariants(values: Values, tokens: Tokens): Map<string, string> {
  // Each certificate variant with the user's spread constraints and with the construct's default ones, with the CA
  // bundle from a ConfigMap and from a Secret.
  const bySpread = (v: Values) =>
    mergeTemplates(
      synthesize(v, tokens),
      synthesize(setPath(v, SPREAD.path, []), tokens),
      helmPath(SPREAD.path),
    );
  const byServiceMonitor = (v: Values) =>
    mergeTemplates(
      bySpread(setPath(v, SERVICE_MONITOR, true)),
      bySpread(setPath(v, SERVICE_MONITOR, false)),
      helmPath(SERVICE_MONITOR),
    );
  const variant = (mode: string, issuer: string) => {
    const v = setPath(setPath(values, 'certificate.mode', mode), ISSUER_NAME.path!, issuer);
    return mergeTemplates(
      byServiceMonitor(setPath(v, CA_SECRET.path!, '')),
      byServiceMonitor(setPath(v, CA_CONFIGMAP.path!, '')),
      CA_CONFIGMAP.expr,
    );
  };

  const certManager = mergeTemplates(
    variant('certManager', String(ISSUER_NAME.value)),
    variant('certManager', ''),
    ISSUER_NAME.expr,
  );
  return mergeTemplates(variant('selfManaged', ''), certManager, SELF_MANAGED);
}

/** The chart's templates, file name → content, generated from the construct. */
export function renderTemplates(): Map<string, string> {
  let values = defaultValues();
  for (const m of [...MARKERS, ...BLOCKS]) if (m.path) values = setPath(values, m.path, m.value);
  for (const cond of Object.values(OBJECT_CONDITIONS)) {
    if (cond.startsWith('.Values.metrics.')) values = setPath(values, cond.slice('.Values.'.length), true);
  }
  values = setPath(values, 'test.enabled', true);
  const tokens = new Tokens();
  const merged = renderVariants(values, tokens);
  // The mode is a marker everywhere but in the ClusterRole: only auto mode reads Nodes.
  const auto = renderVariants(setPath(values, MODE.path, SidecarMode.AUTO), tokens);
  merged.set('ClusterRole', mergeText(auto.get('ClusterRole')!, merged.get('ClusterRole')!, AUTO_MODE));
  const unused = tokens.unused();
  if (unused.length > 0) throw new Error(`values not found in the synthesized objects: ${unused.join(', ')}`);

  const files = new Map<string, string>();
  for (const [kind, text] of merged) {
    const body = tokens.substitute(text);
    const cond = OBJECT_CONDITIONS[kind];
    const header =
      '{{- /* Generated by scripts/build-chart.ts from the ImdsEmulator construct. Do not edit. */}}';
    files.set(
      FILE_NAMES[kind] ?? `${kind.toLowerCase()}.yaml`,
      `${header}\n${cond ? `{{- if ${cond} }}\n${body}\n{{- end }}` : body}\n`,
    );
  }
  return files;
}
