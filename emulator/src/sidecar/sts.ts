/**
 * One STS AssumeRoleWithWebIdentity call per invocation, with the token file read fresh each time (the kubelet
 * rotates it). The call is unsigned: the sidecar needs no AWS credentials of its own.
 */
import { readFile } from 'node:fs/promises';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StsCredentials } from './credentials-document';

export interface StsSettings {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sessionDuration: number;
  readonly tokenFile: string;
  readonly region: string;
  readonly endpoint?: string;
}

/** An error from reading the token file: a human must fix the mount, retrying fast does not help. */
export class TokenFileError extends Error {
  readonly code = 'TokenFileUnreadable';
}

export type FetchCredentials = () => Promise<StsCredentials>;

export async function readToken(tokenFile: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(tokenFile, 'utf8')).trim();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new TokenFileError(`cannot read the service-account token file ${tokenFile} (${reason})`);
  }
  if (token === '') throw new TokenFileError(`the service-account token file ${tokenFile} is empty`);
  return token;
}

export function stsFetcher(settings: StsSettings): { fetch: FetchCredentials; destroy(): void } {
  const client = new STSClient({
    region: settings.region,
    endpoint: settings.endpoint,
    // The refresher owns retries (backoff, jitter, slow retry of errors a human must fix): one attempt per call.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 },
  });
  const fetch: FetchCredentials = async () => {
    const out = await client.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: settings.roleArn,
        RoleSessionName: settings.sessionName,
        DurationSeconds: settings.sessionDuration,
        WebIdentityToken: await readToken(settings.tokenFile),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error('STS answered AssumeRoleWithWebIdentity without complete credentials');
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
  return { fetch, destroy: () => client.destroy() };
}
