/** The one flag parser of the three commands: spec → typed values, with one error format. */
import { intRule, REGION, SIDECAR_FLAGS, WEBHOOK_FLAGS } from '@imds-emulator/contract';
import { Command } from 'commander';
import { ConfigError, parseFlags, type RawFlags, withFlags } from '../../emulator/src/common/flags';

const SPEC = {
  region: { name: 'region', description: 'r', rule: REGION },
  drain: { name: 'drain-seconds', description: 'd', rule: intRule(0, 10), default: 5 },
  role: SIDECAR_FLAGS.roleArn,
  wait: SIDECAR_FLAGS.waitReady,
};

describe('parseFlags', () => {
  it('types each value by its rule, fills defaults and treats an empty value as not set', () => {
    const role = 'arn:aws:iam::123456789012:role/a/b';
    expect(parseFlags(SPEC, { region: 'eusc-de-east-1', 'drain-seconds': '', 'role-arn': role })).toEqual({
      region: 'eusc-de-east-1',
      drain: 5,
      role: { arn: role, partition: 'aws', accountId: '123456789012', roleName: 'b' },
      wait: false,
    });
    expect(parseFlags(SPEC, { 'role-arn': role, 'wait-ready': 'true' })).toMatchObject({
      region: undefined,
      wait: true,
    });
  });

  it.each<[RawFlags, string]>([
    [{}, '--role-arn (IMDS_EMULATOR_ROLE_ARN): is required, e.g. arn:aws:iam::123456789012:role/my-app'],
    [
      { 'role-arn': 'arn:aws-foo:iam::123456789012:role/a' },
      '--role-arn (IMDS_EMULATOR_ROLE_ARN): must be an IAM role ARN',
    ],
    [
      { 'role-arn': 'arn:aws:iam::123456789012:role/a', 'drain-seconds': '11' },
      '--drain-seconds (IMDS_EMULATOR_DRAIN_SECONDS): must be a whole number from 0 to 10, got "11"',
    ],
    [
      { 'role-arn': 'arn:aws:iam::123456789012:role/a', region: 'Europe' },
      '--region (IMDS_EMULATOR_REGION): must be an AWS region such as "eu-west-1", got "Europe"',
    ],
  ])('refuses %j with a ConfigError naming the flag and its variable', (raw, message) => {
    expect(() => parseFlags(SPEC, raw)).toThrow(ConfigError);
    expect(() => parseFlags(SPEC, raw)).toThrow(message);
  });
});

const ROLE = 'arn:aws:iam::123456789012:role/a';

describe('withFlags', () => {
  const parse = async (argv: string[], env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      let seen: RawFlags = {};
      const command = withFlags(
        new Command('x').exitOverride(),
        { ...SPEC, port: WEBHOOK_FLAGS.port },
        async (raw) => {
          seen = raw;
        },
      );
      await command.parseAsync(argv, { from: 'user' });
      return seen;
    } finally {
      process.env = saved;
    }
  };

  it('hands the action raw values keyed by flag name: flag, else the variable, else the default', async () => {
    expect(await parse(['--region', 'eu-west-1', '--wait-ready'])).toMatchObject({
      region: 'eu-west-1',
      'wait-ready': 'true',
      port: '8443',
      'drain-seconds': '5',
      'role-arn': undefined,
    });
    expect(await parse([], { IMDS_EMULATOR_REGION: 'cn-north-1', IMDS_EMULATOR_PORT: '9443' })).toMatchObject(
      {
        region: 'cn-north-1',
        port: '9443',
      },
    );
    expect(await parse(['--port', '1'], { IMDS_EMULATOR_PORT: '9443' })).toMatchObject({ port: '1' });
  });

  it('reads a switch from its variable by value: "false" and "" leave it off', async () => {
    const wait = async (value: string) =>
      parseFlags(SPEC, { ...(await parse([], { IMDS_EMULATOR_WAIT_READY: value })), 'role-arn': ROLE }).wait;
    expect(await wait('true')).toBe(true);
    expect(await wait('1')).toBe(true);
    expect(await wait('false')).toBe(false);
    expect(await wait('')).toBe(false);
    expect(parseFlags(SPEC, { ...(await parse(['--wait-ready'])), 'role-arn': ROLE }).wait).toBe(true);
  });
});
