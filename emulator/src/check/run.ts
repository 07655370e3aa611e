/** `imds-emulator check`, the probes: the requests an SDK makes, in its order, each judged by `checks.ts`. */
import { request } from 'node:http';
import type { HttpTokens } from '@imds-emulator/contract';
import {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  credentials,
  expiry,
  imdsV1,
  reach,
  role,
  type Seen,
  type ServedCredentials,
  skip,
  sts,
  token,
} from './checks';

export interface CheckOptions {
  readonly endpoint: string;
  /** The IPv6 address to check too, or why it is not checked. */
  readonly ipv6: { readonly endpoint: string } | { readonly skipped: string };
  readonly httpTokens?: HttpTokens;
  readonly sts?: string;
  readonly region: string;
  readonly now: () => number;
}

const TTL = '60';
const TIMEOUT_MS = 3000;
/** More than any IMDS answer: a bigger body is not the sidecar's. */
const MAX_BODY = 64 * 1024;
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const LISTING = '/latest/meta-data/iam/security-credentials/';

/** One request; every failure (refused, timeout, oversized) becomes `{ error }`, never a throw. */
function send(
  endpoint: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<Seen> {
  return new Promise((resolve) => {
    const req = request(new URL(path, endpoint), { method, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const ttl = res.headers['x-aws-ec2-metadata-token-ttl-seconds'];
        resolve({
          status: res.statusCode ?? 0,
          ttl: typeof ttl === 'string' ? ttl : undefined,
          body: Buffer.concat(chunks).toString(),
        });
      });
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ error: err.code ? `${err.code}: ${err.message}` : err.message }),
    );
    req.end();
  });
}

const issued = (seen: Seen) =>
  'status' in seen && seen.status === 200 && seen.body !== '' ? seen.body : undefined;

/** The token PUT and the instance-id GET that together tell whether `endpoint` is the sidecar. */
async function reachOf(id: 'reach' | 'reach-ipv6', endpoint: string) {
  const tokenSeen = await send(endpoint, 'PUT', '/latest/api/token', {
    'x-aws-ec2-metadata-token-ttl-seconds': TTL,
  });
  const value = issued(tokenSeen);
  const instanceId = await send(
    endpoint,
    'GET',
    '/latest/meta-data/instance-id',
    value ? { [TOKEN_HEADER]: value } : {},
  );
  return { result: reach(id, endpoint, tokenSeen, instanceId), tokenSeen, value };
}

async function callerIdentity(endpoint: string, region: string, creds: ServedCredentials) {
  // Loaded only with --sts: the other checks do without the SDK.
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient({
    region,
    endpoint,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
    },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 },
  });
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn, account: out.Account };
  } catch (err) {
    const e = err as Error;
    return { error: `${e.name}: ${e.message}` };
  } finally {
    client.destroy();
  }
}

/** Every check, in order; the ones a failure makes pointless are reported as skipped. */
export async function runChecks(options: CheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const skipRest = (ids: CheckId[], why: string) => {
    for (const id of ids) results.push(skip(id, `not run: ${why}`));
    return results;
  };
  const v4 = await reachOf('reach', options.endpoint);
  results.push(v4.result);
  if ('skipped' in options.ipv6) results.push(skip('reach-ipv6', options.ipv6.skipped));
  else results.push((await reachOf('reach-ipv6', options.ipv6.endpoint)).result);
  const later = CHECK_IDS.slice(2);
  if (v4.result.status === 'fail') return skipRest(later, 'the sidecar is not reached');

  results.push(token(v4.tokenSeen, TTL));
  results.push(imdsV1(await send(options.endpoint, 'GET', LISTING, {}), options.httpTokens));
  if (v4.value === undefined) return skipRest(later.slice(2), 'no IMDSv2 token');
  const auth = { [TOKEN_HEADER]: v4.value };

  const listed = role(await send(options.endpoint, 'GET', LISTING, auth));
  results.push(listed.result);
  if (listed.roleName === undefined) return skipRest(later.slice(3), 'no role listed');
  const served = credentials(await send(options.endpoint, 'GET', `${LISTING}${listed.roleName}`, auth));
  results.push(served.result);
  if (served.credentials === undefined) return skipRest(later.slice(4), 'no credentials served');
  results.push(expiry(served.credentials.expiresAt, options.now()));
  if (options.sts === undefined) results.push(skip('sts', 'not asked for (--sts <endpoint>)'));
  else
    results.push(sts(await callerIdentity(options.sts, options.region, served.credentials), listed.roleName));
  return results;
}
