/**
 * The webhook must never admit a pod whose sidecar would refuse to start: for generated role ARNs and regions around
 * every limit, admission allows the pod exactly when the sidecar accepts the arguments the webhook gave it.
 */
import { parseSidecarConfig } from '../../../emulator/src/sidecar/config';
import { prng } from '../../support/prng';
import { container, type Json, P, podWith, run } from './support';

const ACCOUNT = '123456789012';
const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

const arn = (path: string[], name: string, partition = 'aws', account = ACCOUNT) =>
  `arn:${partition}:iam::${account}:role/${path.map((s) => `${s}/`).join('')}${name}`;

/** Edge cases by hand: segment counts, name lengths, path and ARN lengths, partitions, accounts. */
function edges(): string[] {
  const segments = (n: number, segment = 'a') => Array(n).fill(segment);
  return [
    arn(segments(100), 'app'),
    arn(segments(101), 'app'), // 236 characters: issue 13 case 5
    arn(segments(0), 'a'.repeat(64)),
    arn(segments(0), 'a'.repeat(65)),
    arn(segments(0), ''),
    arn(['p'.repeat(510)], 'app'), // a path of 512 characters with its slashes
    arn(['p'.repeat(511)], 'app'),
    arn(segments(100, 'p'.repeat(4)), 'a'.repeat(64)), // path 501 characters
    arn(segments(100, 'p'.repeat(5)), 'a'.repeat(64)), // path 601 characters
    arn(segments(3, 'x'.repeat(600)), 'app'), // over 2048 characters in all
    ...PARTITIONS.map((partition) => arn(['team'], 'app', partition)),
    arn([], 'app', 'aws-iso-bb'),
    arn([], 'app', 'azure'),
    arn([], 'app', 'aws', '12345678901'),
    arn([], 'app', 'aws', '1234567890123'),
    arn([], 'app', 'aws', '12345678901a'),
    arn([''], 'app'),
    arn(['a b'], 'app'),
    arn(['~!"#$%&\'()*+,-.'], 'My+Role=1,x.y@z_w-v'),
    arn([], 'my app'),
    arn([], 'app\u00e9'),
    'arn:aws:iam:us-east-1:123456789012:role/app',
    'arn:aws:sts::123456789012:assumed-role/app/session',
  ];
}

/** Random ARNs near the limits, from a fixed seed: segment counts 95..105, lengths near 64, odd characters. */
function generated(count: number): string[] {
  const random = prng(13);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const text = (alphabet: string, length: number) =>
    Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const segmentChars = 'abcXYZ019-_.+=@,~!*()/ ';
  const nameChars = 'abcXYZ019+=,.@_-/ ';
  return Array.from({ length: count }, () => {
    const segments = pick([0, 1, 2, 50, 95, 99, 100, 101, 105]);
    const path = Array.from({ length: segments }, () => text(segmentChars, 1 + Math.floor(random() * 6)));
    const name = text(nameChars, pick([1, 2, 63, 64, 65]));
    const account = pick([ACCOUNT, ACCOUNT, ACCOUNT, '12345678901', '1234567890123']);
    return arn(path, name, pick(PARTITIONS), account);
  });
}

const REGIONS = [
  'eu-west-1',
  'us-gov-west-1',
  'us-isob-east-1',
  'eusc-de-east-1',
  'EU-WEST-1',
  'eu-west',
  'moon',
];

/** `--flag value` pairs of the injected sidecar, as the sidecar's config parser reads them. */
function rawOptions(args: string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 1; i < args.length; i += 2) raw[args[i].replace(/^--/, '')] = args[i + 1];
  return raw;
}

function sidecarAccepts(raw: Record<string, string>): boolean {
  try {
    parseSidecarConfig(raw, {}, 'host');
    return true;
  } catch {
    return false;
  }
}

function admission(roleArn: string, region = 'eu-west-1') {
  const { result, patched } = run(podWith({ [`${P}role-arn`]: roleArn, [`${P}region`]: region }));
  const sidecar: Json = result.outcome === 'mutated' ? container(patched, 'imds-emulator') : undefined;
  return { outcome: result.outcome, sidecar };
}

const cases: Array<[string, string]> = [
  ...edges().map((a): [string, string] => [a, 'eu-west-1']),
  ...generated(300).map((a, i): [string, string] => [a, REGIONS[i % REGIONS.length]]),
];

it('denies the 101-segment role ARN that the sidecar refuses', () => {
  const arn101 = `arn:aws:iam::${ACCOUNT}:role/${'a/'.repeat(101)}app`;
  expect(arn101).toHaveLength(236);
  expect(admission(arn101).outcome).toBe('denied');
  expect(sidecarAccepts({ 'role-arn': arn101 })).toBe(false);
});

it('admits exactly the role ARNs and regions the sidecar accepts, and the sidecar starts with what it was given', () => {
  const disagreements: string[] = [];
  let admitted = 0;
  for (const [roleArn, region] of cases) {
    const { outcome, sidecar } = admission(roleArn, region);
    const accepts = sidecarAccepts({ 'role-arn': roleArn, region });
    if ((outcome === 'mutated') !== accepts)
      disagreements.push(`${outcome}/${accepts}: ${roleArn} ${region}`);
    if (outcome === 'mutated') {
      admitted++;
      if (!sidecarAccepts(rawOptions(sidecar.args))) disagreements.push(`injected args refused: ${roleArn}`);
    }
  }
  expect(disagreements).toEqual([]);
  // Both sides of every limit were exercised.
  expect(admitted).toBeGreaterThan(20);
  expect(cases.length - admitted).toBeGreaterThan(20);
});
