/**
 * Cross-layer agreement: generated inputs, valid and invalid, are accepted or refused identically by every layer that
 * takes them — the constructs, the chart (`helm template` with values.schema.json, Helm 3 and 4), the webhook's
 * flags, admission (a pod carrying the annotation) and the sidecar's flags, including the sidecar flags the webhook
 * injects. Each case also states whether it is valid, from how it was generated, so agreeing on a wrong answer fails.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  HTTP_TOKENS_ANNOTATION,
  REDIRECT_ANNOTATION,
  REGION_ANNOTATION,
  ROLE_ARN_ANNOTATION,
  SERVE_REGION_ANNOTATION,
  SESSION_DURATION_ANNOTATION,
  WEBHOOK_FLAGS,
} from '@imds-emulator/contract';
import { Chart, Duration, Testing } from 'cdk8s';
import type { ContainerResources } from 'cdk8s-plus-27';
import * as kplus from 'cdk8s-plus-27';
import * as yaml from 'yaml';
import {
  type ClassicJobPods,
  type EnableImdsEmulatorOptions,
  type HttpTokens,
  ImdsEmulator,
  type ImdsEmulatorProps,
  ImdsEmulatorSelfCheck,
  ImdsEmulatorWorkload,
  StsCaBundle,
} from '../../constructs/src';
import { cpuOf, sizeOf } from '../../constructs/src/quantity';
import { ConfigError, type RawFlags } from '../../emulator/src/common/flags';
import { parseSidecarConfig } from '../../emulator/src/sidecar/config';
import { parseWebhookConfig } from '../../emulator/src/webhook/server/config';
import { CHART, HELMS, type HelmName } from '../chart/support';
import { container, type Json, podWith, run } from '../webhook/admission/support';

const ROLE = 'arn:aws:iam::123456789012:role/app';

type Value = string | number;
interface Case {
  readonly value: Value;
  readonly valid: boolean;
}
const ok = (...values: Value[]): Case[] => values.map((value) => ({ value, valid: true }));
const bad = (...values: Value[]): Case[] => values.map((value) => ({ value, valid: false }));

// ---- Generated inputs -------------------------------------------------------------------------------------------

const REGIONS: Case[] = [
  ...ok(
    'us-east-1',
    'us-west-2',
    'us-gov-west-1',
    'us-gov-east-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
    'ap-southeast-5',
    'il-central-1',
    'mx-central-1',
    'me-central-1',
    'ca-west-1',
  ),
  ...bad(
    'Europe',
    'EU-WEST-1',
    'us-east',
    'us-east-123',
    'us-east-1a',
    'moon',
    'us_east_1',
    'us-east-1 ',
    ' us-east-1',
    'u-east-1',
    'abcde-east-1',
    'us-gov-west-east-1',
    'us--east-1',
    '1-east-1',
    'us-east-',
  ),
];

/** Quantities from their parts: sign, number, suffix; valid when every part is. */
function quantities(): Case[] {
  const numbers: [string, boolean][] = [
    ['0', true],
    ['1', true],
    ['100', true],
    ['1.5', true],
    ['.5', true],
    ['5.', true],
    ['007', true],
    ['.', false],
    ['1.2.3', false],
    ['1..2', false],
    ['a', false],
  ];
  const signs: [string, boolean][] = [
    ['', true],
    ['+', true],
    ['-', true],
    ['+-', false],
  ];
  const suffixes: [string, boolean][] = [
    ...['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E'].map(
      (s): [string, boolean] => [s, true],
    ),
    ...['e3', 'E3', 'e-3', 'e+3', 'E-2', 'e0'].map((s): [string, boolean] => [s, true]),
    ...['Mi1', 'KiB', 'mi', 'K', 'e', 'e+', 'k1', 'Gi ', ' Gi', 'i', 'mm', 'e1.5'].map(
      (s): [string, boolean] => [s, false],
    ),
  ];
  const cases = new Map<string, boolean>();
  const add = ([sign, s]: [string, boolean], [n, v]: [string, boolean], [suffix, x]: [string, boolean]) =>
    cases.set(`${sign}${n}${suffix}`, s && v && x);
  for (const number of numbers) for (const sign of signs) add(sign, number, ['', true]);
  for (const number of numbers) add(['', true], number, ['Mi', true]);
  for (const suffix of suffixes) {
    add(['', true], ['1', true], suffix);
    add(['', true], ['1.5', true], suffix);
  }
  // Not '': an empty flag or IMDS_EMULATOR_* variable means "not set" (the default), unlike an empty chart value.
  cases.set('1 Gi', false);
  cases.set('lots', false);
  return [...cases].map(([value, valid]) => ({ value, valid }));
}
const QUANTITIES = quantities();

/** Role ARNs from their parts: partition, account, path, name; valid when every part is. */
function roleArns(): Case[] {
  const arn = (partition: string, account: string, path: string, name: string) =>
    `arn:${partition}:iam::${account}:role${path}${name}`;
  const segments = (n: number) => `/${'p/'.repeat(n)}`;
  const cases: Case[] = [];
  for (const partition of ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-f', 'aws-eusc']) {
    cases.push({ value: arn(partition, '123456789012', '/', 'app'), valid: true });
  }
  for (const partition of ['aws-foo', 'aws-iso-bb', 'azure', 'AWS', 'aws-', '']) {
    cases.push({ value: arn(partition, '123456789012', '/', 'app'), valid: false });
  }
  for (const account of ['12345678901', '1234567890123', '12345678901a', '']) {
    cases.push({ value: arn('aws', account, '/', 'app'), valid: false });
  }
  for (const [path, valid] of [
    [segments(1), true],
    [segments(99), true],
    [segments(100), true],
    [segments(101), false],
    [`/${'p'.repeat(510)}/`, true], // IAM paths: at most 512 characters
    [`/${'p'.repeat(511)}/`, false],
    ['/team-a/batch/', true],
    ['//', false],
    ['/my path/', false],
  ] as const) {
    cases.push({ value: arn('aws', '123456789012', path, 'app'), valid });
  }
  for (const [name, valid] of [
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['My+Role=1,x.y@z_w-v', true],
    ['', false],
    ['my app', false],
    ['app/', false],
  ] as const) {
    cases.push({ value: arn('aws', '123456789012', '/', name), valid });
  }
  cases.push(
    ...bad(
      'arn:aws:iam::123456789012:user/app',
      'arn:aws:sts::123456789012:assumed-role/app/session',
      'arn:aws:iam:us-east-1:123456789012:role/app',
      ` ${ROLE}`,
      'app',
      `${ROLE}${'a'.repeat(2048)}`,
    ),
  );
  return cases;
}
/** CPU and memory as the constructs and the chart write them (the contract's CPU and MEMORY). */
const CPUS: Case[] = [
  ...ok('0', '1', '16', '50m', '1000m', '0m', '0.5', '2.25', '0.001'),
  ...bad('050m', '1.50', '.5', '5.', '+1', '-1', '1e3', '1.2.3', '1Mi', 'm', '0.5m', '1k', '01', ''),
];
// A multiple of 1024 in a smaller unit ("1024Mi") is valid for both, and the construct writes it in the larger one
// ("1Gi"): the same quantity, so it is not a case here.
const MEMORIES: Case[] = [
  ...ok('64Mi', '1Gi', '1536Mi', '512Ki', '2Ti', '1Pi'),
  ...bad('64M', '64', '0.5Gi', '064Mi', '1GiB', '1gi', '+64Mi', '1Ei', '1.2.3', ''),
];

const CONFIG_KEYS: Case[] = [
  ...ok('ca.crt', 'bundle.pem', 'CA_bundle-1', '.hidden', 'a', 'k'.repeat(253)),
  ...bad('a/b', 'with space', 'ca.crt\n', 'k'.repeat(254), 'ä', 'a:b'),
];

const ROLE_ARNS = roleArns();

const DURATIONS = [...ok(900, 3600, 43200), ...bad(0, 899, 43201, 3600.5)];
/** Texts only a flag or an annotation can carry. */
const DURATION_TEXTS = [...ok('0900'), ...bad('1e4', '3600.5', ' 3600', '+3600', '-900', '3600s')];
const TOKEN_EXPIRATIONS = [...ok(600, 3600, 86400, 86401, 2 ** 32 - 1), ...bad(599, 2 ** 32, 1.5)];
const HTTP_TOKEN_VALUES = [...ok('optional', 'required'), ...bad('Required', 'OPTIONAL', 'v2')];
const REDIRECTS = [...ok('iptables', 'env'), ...bad('ENV', 'nat', 'none')];
const STS_ENDPOINTS = [
  ...ok(
    'https://sts.eu-west-1.amazonaws.com',
    'http://127.0.0.1:5000',
    'http://[::1]:4566/',
    'https://vpce-1.sts.us-east-1.vpce.amazonaws.com/path?x=1',
  ),
  ...bad('sts.local', 'ftp://x', 'http://', 'http://host:99999', 'https://a b', 'https://x"y', 'https://-x'),
];

const AUDIENCES = [
  ...ok('sts.amazonaws.com', 'https://example.com/aud', 'a', 'a\u00a0b'),
  ...bad('has space', 'tab\tb', 'a"b', "a'b", 'a\\b'),
];
const SERVE_REGION_VALUES = [...ok('true', 'false'), ...bad('True', 'yes', '1', ' true', 'on')];
const CLASSIC_JOB_PODS_VALUES = [...ok('deny', 'warn'), ...bad('Deny', 'allow', 'ignore', ' deny')];
const ZONES = [
  ...ok('eu-west-1a', 'us-gov-west-1b', 'us-east-1-bos-1a', 'zone_1', 'EU.1', 'a'.repeat(63)),
  ...bad('us east 1a', '-a', 'a-', 'a/b', 'a'.repeat(64), 'é'),
];
const NAMESPACES = [
  ...ok('default', 'a', 'team-1', '1abc', 'a'.repeat(63)),
  ...bad('Bad_NS', 'a.b', '-a', 'a-', 'a'.repeat(64), 'UPPER'),
];

// ---- The layers -------------------------------------------------------------------------------------------------

/** Runs `attempt`; false when it throws `kind` with a "must be" message, true when it does not throw. */
function accepts(attempt: () => void, kind: new (...a: never[]) => Error = Error): boolean {
  try {
    attempt();
    return true;
  } catch (err) {
    if (err instanceof kind && /must be|is required/.test(err.message)) return false;
    throw err;
  }
}

function construct(props: ImdsEmulatorProps): boolean {
  return accepts(() => new ImdsEmulator(new Chart(Testing.app(), 'c'), 'e', props));
}

/** Whether `v` builds the construct's resources and renders back as `v` (a refusal anywhere is a refusal). */
function readsBack(v: string, resources: () => ContainerResources, kind: 'cpu' | 'memory'): boolean {
  let rendered: string | undefined;
  const built = accepts(() => {
    const chart = new Chart(Testing.app(), 'c');
    new ImdsEmulator(chart, 'e', { resources: resources() });
    const deployment = chart.toJson().find((o) => o.kind === 'Deployment');
    rendered = deployment.spec.template.spec.containers[0].resources.requests[kind];
  });
  return built && rendered === v;
}

function enable(options: Partial<EnableImdsEmulatorOptions>): boolean {
  return accepts(() => {
    const pod = new kplus.Pod(new Chart(Testing.app(), 'c'), 'p', { containers: [{ image: 'app:1' }] });
    ImdsEmulatorWorkload.enable(pod, { roleArn: ROLE, ...options });
  });
}

const WEBHOOK_DEFAULTS: RawFlags = Object.fromEntries(
  Object.values(WEBHOOK_FLAGS).map((f) => [f.name, 'default' in f ? String(f.default) : undefined]),
);
function webhookFlags(raw: RawFlags): boolean {
  return accepts(() => parseWebhookConfig({ ...WEBHOOK_DEFAULTS, image: 'x', ...raw }), ConfigError);
}

function sidecarFlags(raw: RawFlags): boolean {
  return accepts(() => parseSidecarConfig({ 'role-arn': ROLE, ...raw }, {}, 'host'), ConfigError);
}

/** The sidecar's arguments as the webhook injects them, back to raw flags. */
function injectedFlags(pod: Json): RawFlags {
  const args: string[] = container(pod, 'imds-emulator').args.slice(1);
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) raw[args[i].replace(/^--/, '')] = args[i + 1];
  return raw;
}

/** Admission of a pod with `annotations`; when admitted, the sidecar must accept the flags the webhook gave it. */
function admission(annotations: Record<string, string>): { admitted: boolean; sidecar?: boolean } {
  const { result, patched } = run(podWith(annotations));
  if (result.outcome === 'denied') return { admitted: false };
  if (result.outcome !== 'mutated') throw new Error(`admission: ${result.outcome}: ${result.reason}`);
  return { admitted: true, sidecar: sidecarFlags(injectedFlags(patched)) };
}

// ---- The chart: one `helm template` per Helm version for every case ----------------------------------------------

const run$ = promisify(execFile);
const chartCases: Json[] = [];
/** Registers chart values to check; returns the index of their verdict. */
function chartCase(values: Json): number {
  chartCases.push(values);
  return chartCases.length - 1;
}
const verdicts: Record<HelmName, boolean[]> = { helm3: [], helm4: [] };

/**
 * Every case is one alias of the chart as a dependency of a scratch umbrella chart, so one `helm template` checks
 * all of them against values.schema.json and names each alias whose values it refuses (the `global` value Helm gives
 * every subchart is allowed by the schema).
 */
async function helmVerdicts(helm: HelmName, scratch: string): Promise<boolean[]> {
  const failed = await run$(HELMS[helm], ['template', 'r', scratch], { maxBuffer: 256 * 1024 * 1024 }).then(
    () => '',
    (err: { stderr: string }) => err.stderr,
  );
  const refused = new Set<number>();
  if (failed) {
    expect(failed).toContain("values don't meet the specifications of the schema");
    let alias = -1;
    for (const line of failed.split('\n')) {
      const header = /^c(\d+):$/.exec(line);
      if (header) alias = Number(header[1]);
      else if (line.startsWith('- ')) refused.add(alias);
    }
  }
  return chartCases.map((_, i) => !refused.has(i));
}

// ---- The agreement ----------------------------------------------------------------------------------------------

interface Row {
  readonly value: Value;
  readonly valid: boolean;
  /** Verdict of each layer; chart layers are indexes resolved after the Helm runs. */
  readonly layers: Record<string, boolean | { chart: number }>;
}

function resolve(row: Row, helm: HelmName): Record<string, boolean> {
  return Object.fromEntries(
    Object.entries(row.layers).map(([name, v]) => [
      name,
      typeof v === 'boolean' ? v : verdicts[helm][v.chart],
    ]),
  );
}

const text = (value: Value) => String(value);
const num = (value: Value) => value as number;

/** The rows of a rule: each case with the verdicts of the layers `layers` asks. */
function rows(cases: Case[], layers: (value: Value) => Row['layers']): Row[] {
  return cases.map(({ value, valid }) => ({ value, valid, layers: layers(value) }));
}

/** Every rule, with the layers that take it. Built at load time; the chart verdicts come in beforeAll. */
const GROUPS: Record<string, Row[]> = {
  region: rows(REGIONS, (value) => {
    const v = text(value);
    const annotation = admission({ [REGION_ANNOTATION]: v });
    return {
      'construct sidecarRegion': construct({ sidecarRegion: v }),
      'enable() region': enable({ region: v }),
      'chart sidecar.region': { chart: chartCase({ sidecar: { region: v } }) },
      'webhook --default-region': webhookFlags({ 'default-region': v }),
      'admission annotation': annotation.admitted,
      'sidecar --region': sidecarFlags({ region: v }),
      ...(annotation.admitted ? { 'sidecar, as injected': annotation.sidecar ?? false } : {}),
    };
  }),
  quantity: rows(QUANTITIES, (value) => {
    const v = text(value);
    return {
      'webhook --sidecar-cpu-request': webhookFlags({ 'sidecar-cpu-request': v }),
      'webhook --sidecar-memory-limit': webhookFlags({ 'sidecar-memory-limit': v }),
    };
  }),
  // The constructs take kplus Cpu and cdk8s Size; the chart takes the text they render, which reads back unchanged.
  cpu: rows(CPUS, (value) => {
    const v = text(value);
    return {
      'construct resources.cpu (read back)': readsBack(v, () => ({ cpu: { request: cpuOf(v) } }), 'cpu'),
      'chart resources.requests.cpu': { chart: chartCase({ resources: { requests: { cpu: v } } }) },
      'chart sidecar.resources.limits.cpu': {
        chart: chartCase({ sidecar: { resources: { limits: { cpu: v } } } }),
      },
    };
  }),
  memory: rows(MEMORIES, (value) => {
    const v = text(value);
    return {
      'construct resources.memory (read back)': readsBack(
        v,
        () => ({ memory: { request: sizeOf(v) } }),
        'memory',
      ),
      'chart sidecar.resources.limits.memory': {
        chart: chartCase({ sidecar: { resources: { limits: { memory: v } } } }),
      },
    };
  }),
  'CA bundle key': rows(CONFIG_KEYS, (value) => {
    const v = text(value);
    return {
      'construct StsCaBundle key': accepts(() =>
        StsCaBundle.fromConfigMap(
          kplus.ConfigMap.fromConfigMapName(new Chart(Testing.app(), 'c'), 'ca', 'ca'),
          v,
        ),
      ),
      'chart sidecar.stsCaBundle.key': {
        chart: chartCase({ sidecar: { stsCaBundle: { configMap: 'ca', key: v } } }),
      },
      'webhook --sts-ca-bundle-key': webhookFlags({
        'sts-ca-bundle-configmap': 'ca',
        'sts-ca-bundle-key': v,
      }),
    };
  }),
  'role ARN': rows(ROLE_ARNS, (value) => {
    const v = text(value);
    const annotation = admission({ [ROLE_ARN_ANNOTATION]: v });
    return {
      'enable() roleArn': enable({ roleArn: v }),
      'construct ImdsEmulatorSelfCheck roleArn': accepts(
        () => new ImdsEmulatorSelfCheck(new Chart(Testing.app(), 'c'), 's', { roleArn: v }),
      ),
      'chart test.roleArn': { chart: chartCase({ test: { roleArn: v } }) },
      'admission annotation': annotation.admitted,
      'sidecar --role-arn': sidecarFlags({ 'role-arn': v }),
      ...(annotation.admitted ? { 'sidecar, as injected': annotation.sidecar ?? false } : {}),
    };
  }),
  'session duration': rows(DURATIONS, (value) => {
    const annotation = admission({ [SESSION_DURATION_ANNOTATION]: text(value) });
    return {
      'construct sidecarSessionDuration': construct({ sidecarSessionDuration: Duration.seconds(num(value)) }),
      'enable() sessionDuration': enable({ sessionDuration: Duration.seconds(num(value)) }),
      'chart sidecar.sessionDuration': { chart: chartCase({ sidecar: { sessionDuration: value } }) },
      'webhook --default-session-duration': webhookFlags({ 'default-session-duration': text(value) }),
      'admission annotation': annotation.admitted,
      'sidecar --session-duration': sidecarFlags({ 'session-duration': text(value) }),
    };
  }),
  'session duration (text)': rows(DURATION_TEXTS, (value) => ({
    'webhook --default-session-duration': webhookFlags({ 'default-session-duration': text(value) }),
    'admission annotation': admission({ [SESSION_DURATION_ANNOTATION]: text(value) }).admitted,
    'sidecar --session-duration': sidecarFlags({ 'session-duration': text(value) }),
  })),
  'token expiration': rows(TOKEN_EXPIRATIONS, (value) => ({
    'construct sidecarTokenExpiration': construct({ sidecarTokenExpiration: Duration.seconds(num(value)) }),
    'chart sidecar.tokenExpiration': { chart: chartCase({ sidecar: { tokenExpiration: value } }) },
    'webhook --token-expiration': webhookFlags({ 'token-expiration': text(value) }),
  })),
  'http tokens': rows(HTTP_TOKEN_VALUES, (value) => {
    const v = text(value);
    return {
      'construct sidecarHttpTokens': construct({ sidecarHttpTokens: v as HttpTokens }),
      'enable() httpTokens': enable({ httpTokens: v as HttpTokens }),
      'chart sidecar.httpTokens': { chart: chartCase({ sidecar: { httpTokens: v } }) },
      'webhook --default-http-tokens': webhookFlags({ 'default-http-tokens': v }),
      'admission annotation': admission({ [HTTP_TOKENS_ANNOTATION]: v }).admitted,
      'sidecar --http-tokens': sidecarFlags({ 'http-tokens': v }),
    };
  }),
  redirect: rows(REDIRECTS, (value) => ({
    'enable() redirect': enable({ redirect: text(value) as EnableImdsEmulatorOptions['redirect'] }),
    'admission annotation': admission({ [REDIRECT_ANNOTATION]: text(value) }).admitted,
  })),
  'STS endpoint': rows(STS_ENDPOINTS, (value) => {
    const v = text(value);
    return {
      'construct sidecarStsEndpoint': construct({ sidecarStsEndpoint: v }),
      'chart sidecar.stsEndpoint': { chart: chartCase({ sidecar: { stsEndpoint: v } }) },
      'webhook --sts-endpoint': webhookFlags({ 'sts-endpoint': v }),
      'sidecar --sts-endpoint': sidecarFlags({ 'sts-endpoint': v }),
    };
  }),
  'token audience': rows(AUDIENCES, (value) => ({
    'construct sidecarTokenAudience': construct({ sidecarTokenAudience: text(value) }),
    'chart sidecar.tokenAudience': { chart: chartCase({ sidecar: { tokenAudience: value } }) },
    'webhook --token-audience': webhookFlags({ 'token-audience': text(value) }),
  })),
  'serve region': rows(SERVE_REGION_VALUES, (value) => {
    const v = text(value);
    const annotation = admission({ [SERVE_REGION_ANNOTATION]: v });
    // The construct and the chart take a boolean: "true" and "false" as one, anything else as given.
    const typed = v === 'true' || v === 'false' ? v === 'true' : undefined;
    return {
      ...(typed !== undefined && {
        'construct sidecarServeRegion': construct({ sidecarServeRegion: typed }),
      }),
      'chart sidecar.serveRegion': { chart: chartCase({ sidecar: { serveRegion: typed ?? v } }) },
      'webhook --default-serve-region': webhookFlags({ 'default-serve-region': v }),
      'admission annotation': annotation.admitted,
      'sidecar --serve-region': sidecarFlags({ 'serve-region': v }),
      ...(annotation.admitted ? { 'sidecar, as injected': annotation.sidecar ?? false } : {}),
    };
  }),
  'classic job pods': rows(CLASSIC_JOB_PODS_VALUES, (value) => ({
    'construct classicJobPods': construct({ classicJobPods: text(value) as ClassicJobPods }),
    'chart classicJobPods': { chart: chartCase({ classicJobPods: value }) },
    'webhook --classic-job-pods': webhookFlags({ 'classic-job-pods': text(value) }),
  })),
  'availability zone': rows(ZONES, (value) => ({
    'sidecar --availability-zone': sidecarFlags({ 'availability-zone': text(value) }),
  })),
  namespace: rows(NAMESPACES, (value) => ({
    'construct namespace': construct({ metadata: { namespace: text(value) } }),
    'construct excludedNamespaces': construct({ excludedNamespaces: [text(value)] }),
    'chart webhook.excludedNamespaces': { chart: chartCase({ webhook: { excludedNamespaces: [value] } }) },
    'webhook --namespace': webhookFlags({ namespace: text(value) }),
  })),
};

const scratch = mkdtempSync(join(tmpdir(), 'imds-agreement-'));

beforeAll(async () => {
  mkdirSync(join(scratch, 'charts'));
  symlinkSync(CHART, join(scratch, 'charts', 'imds-emulator'));
  const dependencies = chartCases.map((_, i) => ({
    name: 'imds-emulator',
    version: '0.1.0',
    alias: `c${i}`,
  }));
  writeFileSync(
    join(scratch, 'Chart.yaml'),
    yaml.stringify({ apiVersion: 'v2', name: 'agreement', version: '0.0.0', dependencies }),
  );
  writeFileSync(
    join(scratch, 'values.yaml'),
    // Quoted: Helm reads YAML 1.1, where a plain yes or on is a boolean, not the string the case gives.
    yaml.stringify(Object.fromEntries(chartCases.map((v, i) => [`c${i}`, v])), {
      defaultStringType: 'QUOTE_DOUBLE',
      defaultKeyType: 'PLAIN',
    }),
  );
  verdicts.helm3 = await helmVerdicts('helm3', scratch);
  verdicts.helm4 = await helmVerdicts('helm4', scratch);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(Object.keys(GROUPS))('%s', (group) => {
  test.each(['helm3', 'helm4'] as const)(
    'every layer, the chart with %s, gives the generated verdict',
    (helm) => {
      const disagreements = GROUPS[group].flatMap((row) =>
        Object.entries(resolve(row, helm))
          .filter(([, accepted]) => accepted !== row.valid)
          .map(
            ([layer, accepted]) =>
              `${JSON.stringify(row.value)}: ${layer} ${accepted ? 'accepts' : 'refuses'}`,
          ),
      );
      expect(disagreements).toEqual([]);
    },
  );

  test('has valid and invalid cases', () => {
    expect(GROUPS[group].some((row) => row.valid)).toBe(true);
    expect(GROUPS[group].some((row) => !row.valid)).toBe(true);
  });
});

test("the issue's cases are among the inputs", () => {
  const has = (rows: Row[], value: Value) => rows.some((row) => row.value === value);
  expect(has(GROUPS.quantity, '1.2.3')).toBe(true);
  expect(has(GROUPS.region, 'eusc-de-east-1')).toBe(true);
  expect(has(GROUPS['role ARN'], 'arn:aws-foo:iam::123456789012:role/app')).toBe(true);
  expect(has(GROUPS['role ARN'], `arn:aws:iam::123456789012:role/${'p/'.repeat(101)}app`)).toBe(true);
});
