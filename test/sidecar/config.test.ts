import type { RawFlags } from '../../emulator/src/common/flags';
import { parseSidecarConfig } from '../../emulator/src/sidecar/config';

const ROLE = 'arn:aws:iam::123456789012:role/team/app-role';
const parse = (raw: RawFlags, env: NodeJS.ProcessEnv = {}) => parseSidecarConfig(raw, env, 'host-1');

describe('sidecar config', () => {
  it('applies the documented defaults and derives role name, account and session name', () => {
    const config = parse({ 'role-arn': ROLE, 'pod-namespace': 'ns', 'pod-name': 'pod' });
    expect(config).toMatchObject({
      role: { roleName: 'app-role', accountId: '123456789012', partition: 'aws' },
      tokenFile: '/var/run/secrets/imds-emulator/token',
      port: 16925,
      healthPort: 16926,
      region: 'us-east-1',
      stsEndpoint: undefined,
      httpTokens: 'optional',
      sessionDuration: 3600,
      sessionName: 'ns.pod',
      drainSeconds: 5,
      logLevel: 'info',
    });
  });

  it('takes the region from AWS_REGION unless --region is given', () => {
    expect(parse({ 'role-arn': ROLE }, { AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(parse({ 'role-arn': ROLE, region: 'us-gov-west-1' }, { AWS_REGION: 'eu-west-1' }).region).toBe(
      'us-gov-west-1',
    );
  });

  it('checks AWS_REGION by the region rule, naming --region', () => {
    expect(parse({ 'role-arn': ROLE }, { AWS_REGION: 'eusc-de-east-1' }).region).toBe('eusc-de-east-1');
    expect(() => parse({ 'role-arn': ROLE }, { AWS_REGION: 'Europe' })).toThrow(
      '--region (IMDS_EMULATOR_REGION): AWS_REGION must be an AWS region such as "eu-west-1", got "Europe"',
    );
  });

  it.each([
    [{}, /--role-arn \(IMDS_EMULATOR_ROLE_ARN\): is required/],
    [
      { 'role-arn': 'arn:aws:iam::12345:role/x' },
      /--role-arn \(IMDS_EMULATOR_ROLE_ARN\): must be an IAM role ARN .*, got "arn:aws:iam::12345:role\/x"/,
    ],
    [{ 'role-arn': 'arn:aws:iam::123456789012:user/x' }, /--role-arn/],
    [
      { 'role-arn': ROLE, 'session-duration': '899' },
      /--session-duration \(.*\): must be a whole number from 900 to 43200, got "899"/,
    ],
    [{ 'role-arn': ROLE, 'session-duration': '43201' }, /--session-duration/],
    [{ 'role-arn': ROLE, 'session-duration': '1h' }, /--session-duration/],
    [
      { 'role-arn': ROLE, 'http-tokens': 'sometimes' },
      /--http-tokens \(.*\): must be one of optional, required, got "sometimes"/,
    ],
    [{ 'role-arn': ROLE, port: '70000' }, /--port \(IMDS_EMULATOR_PORT\)/],
    [{ 'role-arn': ROLE, 'health-port': 'x' }, /--health-port/],
    [{ 'role-arn': ROLE, port: '9000', 'health-port': '9000' }, /--health-port .*must differ from --port/],
    [
      { 'role-arn': ROLE, region: 'Europe' },
      /--region \(IMDS_EMULATOR_REGION\): must be an AWS region such as "eu-west-1", got "Europe"/,
    ],
    [{ 'role-arn': ROLE, 'sts-endpoint': 'not a url' }, /--sts-endpoint \(.*\): must be an http\(s\) URL/],
    [{ 'role-arn': ROLE, 'sts-endpoint': 'ftp://x' }, /--sts-endpoint .*http/],
    [{ 'role-arn': ROLE, 'drain-seconds': '-1' }, /--drain-seconds/],
    [{ 'role-arn': ROLE, 'log-level': 'loud' }, /--log-level/],
  ])('rejects %j with an error naming the flag', (raw, message) => {
    expect(() => parse(raw as RawFlags)).toThrow(message);
  });
});
