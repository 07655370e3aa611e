import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { serviceAccountJwt } from './jwt';
import { type RunningMoto, startMoto } from './moto';

describe('test support: moto STS peer', () => {
  let moto: RunningMoto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto.stop());

  it('issues credentials for AssumeRoleWithWebIdentity with a signed service-account JWT', async () => {
    const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint });
    const out = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/smoke',
        RoleSessionName: 'smoke-test',
        WebIdentityToken: serviceAccountJwt(),
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date);
    sts.destroy();
  });
});
