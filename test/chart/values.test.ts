/** The values schema and the construct's validation agree: what one rejects, the other rejects too. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { Testing } from 'cdk8s';
import { ImdsEmulator } from '../../constructs/src';
import { FIXTURES } from '../../scripts/chart/fixtures';
import {
  defaultValues,
  helmFullname,
  mergeValues,
  propsFromValues,
  type Values,
} from '../../scripts/chart/values';

const schema = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'charts', 'imds-emulator', 'values.schema.json'), 'utf8'),
);
const validate = new Ajv({ strict: false }).compile(schema);

function construct(values: Values): void {
  const merged = mergeValues(defaultValues(), values);
  const fullname = helmFullname('rel', merged.fullnameOverride as string);
  const chart = Testing.chart();
  new ImdsEmulator(chart, 'e', propsFromValues(merged, { fullname, namespace: 'ns', scope: chart }));
}

describe('values.schema.json and the construct', () => {
  test('the defaults and every fixture pass both', () => {
    expect(validate(defaultValues())).toBe(true);
    for (const values of Object.values(FIXTURES)) {
      expect(validate(mergeValues(defaultValues(), values))).toBe(true);
      expect(() => construct(values)).not.toThrow();
    }
  });

  test.each<[string, Values]>([
    ['replicaCount 0', { replicaCount: 0 }],
    ['replicaCount 101', { replicaCount: 101 }],
    ['timeoutSeconds 31', { webhook: { timeoutSeconds: 31 } }],
    ['failurePolicy', { webhook: { failurePolicy: 'fail' } }],
    ['excluded namespace', { webhook: { excludedNamespaces: ['Bad_NS'] } }],
    ['image tag', { image: { tag: 'a:b' } }],
    ['image digest', { image: { digest: 'sha256:abc' } }],
    ['pull policy', { image: { pullPolicy: 'Sometimes' } }],
    ['fullnameOverride', { fullnameOverride: 'Bad' }],
    ['priorityClassName', { priorityClassName: 'High' }],
    ['resources', { resources: { requests: { cpu: 'lots' } } }],
    ['sidecar resources', { sidecar: { resources: { limits: { memory: '1 GB' } } } }],
    ['region', { sidecar: { region: 'Europe' } }],
    ['httpTokens', { sidecar: { httpTokens: 'v2' } }],
    ['sidecar mode', { sidecar: { mode: 'sidecar' } }],
    ['sessionDuration 899', { sidecar: { sessionDuration: 899 } }],
    ['sessionDuration 43201', { sidecar: { sessionDuration: 43201 } }],
    ['tokenExpiration 599', { sidecar: { tokenExpiration: 599 } }],
    ['tokenExpiration 2^32', { sidecar: { tokenExpiration: 2 ** 32 } }],
    ['tokenAudience', { sidecar: { tokenAudience: 'has space' } }],
    ['stsEndpoint', { sidecar: { stsEndpoint: 'sts.amazonaws.com' } }],
    ['issuer name', { certificate: { mode: 'certManager', certManager: { issuer: { name: 'Bad_Name' } } } }],
    [
      'issuer kind',
      { certificate: { mode: 'certManager', certManager: { issuer: { name: 'ca', kind: 'issuer' } } } },
    ],
  ])('both reject a bad %s', (_, values) => {
    expect(validate(mergeValues(defaultValues(), values))).toBe(false);
    expect(() => construct(values)).toThrow();
  });

  test('the schema alone rejects what only Helm could get wrong: unknown keys and wrong types', () => {
    expect(validate(mergeValues(defaultValues(), { iamge: {} }))).toBe(false);
    expect(validate(mergeValues(defaultValues(), { image: { tag: 1.2 } }))).toBe(false);
    expect(validate(mergeValues(defaultValues(), { certificate: { mode: 'genCA' } }))).toBe(false);
  });
});
