import { parseSidecarConfig, type RawOptions } from '../../emulator/src/sidecar/config';

const ROLE = 'arn:aws:iam::123456789012:role/team/app-role';
const parse = (raw: RawOptions, env: NodeJS.ProcessEnv = {}) => parseSidecarConfig(raw, env, 'host-1');

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

  it.each([
    [{}, /--role-arn \(IMDS_EMULATOR_ROLE_ARN\): is required/],
    [
      { 'role-arn': 'arn:aws:iam::12345:role/x' },
      /--role-arn .*"arn:aws:iam::12345:role\/x" is not an IAM role ARN/,
    ],
    [{ 'role-arn': 'arn:aws:iam::123456789012:user/x' }, /--role-arn/],
    [
      { 'role-arn': ROLE, 'session-duration': '899' },
      /--session-duration .*"899" is not a whole number from 900 to 43200/,
    ],
    [{ 'role-arn': ROLE, 'session-duration': '43201' }, /--session-duration/],
    [{ 'role-arn': ROLE, 'session-duration': '1h' }, /--session-duration/],
    [
      { 'role-arn': ROLE, 'http-tokens': 'sometimes' },
      /--http-tokens .*"sometimes" must be optional or required/,
    ],
    [{ 'role-arn': ROLE, port: '70000' }, /--port \(IMDS_EMULATOR_PORT\)/],
    [{ 'role-arn': ROLE, 'health-port': 'x' }, /--health-port/],
    [{ 'role-arn': ROLE, port: '9000', 'health-port': '9000' }, /--health-port .*must differ from --port/],
    [{ 'role-arn': ROLE, region: 'Europe' }, /--region .*"Europe" is not an AWS region/],
    [{ 'role-arn': ROLE, 'sts-endpoint': 'not a url' }, /--sts-endpoint .*is not a URL/],
    [{ 'role-arn': ROLE, 'sts-endpoint': 'ftp://x' }, /--sts-endpoint .*http/],
    [{ 'role-arn': ROLE, 'drain-seconds': '-1' }, /--drain-seconds/],
    [{ 'role-arn': ROLE, 'log-level': 'loud' }, /--log-level/],
  ])('rejects %j with an error naming the flag', (raw, message) => {
    expect(() => parse(raw as RawOptions)).toThrow(message);
  });
});
