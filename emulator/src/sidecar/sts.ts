/**
 * One STS AssumeRoleWithWebIdentity call per invocation, with the token file read fresh each time (the kubelet
 * rotates it). The call is unsigned: the sidecar needs no AWS credentials of its own. Every call has an overall
 * deadline and a cap on the response body, so a misbehaving endpoint costs a bounded time and memory.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandOutput,
  STSClient,
} from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StsCredentials } from './credentials-document';

/**
 * Overall deadline of one STS call (connect, TLS, headers and body). STS answers in well under a second; the SDK's
 * own requestTimeout only warns in this version and stops at the headers.
 */
export const STS_DEADLINE_MS = 10_000;
/** A real AssumeRoleWithWebIdentity answer (or STS error) is a few KB: larger bodies are refused unread. */
export const STS_MAX_BODY_BYTES = 64 * 1024;

export interface StsSettings {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly sessionDuration: number;
  readonly tokenFile: string;
  readonly region: string;
  readonly endpoint?: string;
  /** Default STS_DEADLINE_MS. */
  readonly deadlineMs?: number;
  /** Default STS_MAX_BODY_BYTES. */
  readonly maxBodyBytes?: number;
}

/** An error from reading the token file: a human must fix the mount, retrying fast does not help. */
export class TokenFileError extends Error {
  readonly code = 'TokenFileUnreadable';
}

/**
 * The STS endpoint misbehaved (no answer in time, an oversized body, a success answer the SDK cannot read, such as
 * an Expiration that is not a date): a transient error, retried with backoff.
 */
export class StsEndpointError extends Error {
  constructor(
    readonly code: 'StsTimeout' | 'StsResponseTooLarge' | 'StsAnswerUnreadable',
    message: string,
  ) {
    super(message);
  }
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

type Handle = NodeHttpHandler['handle'];

/**
 * The SDK's Node handler with a cap on response bodies: a declared Content-Length over the cap is refused before
 * reading, a streamed body is counted and cut when it passes the cap, and the caller's abort signal (the call's
 * deadline) also ends a body that trickles in after the headers.
 */
class CappedBodyHandler extends NodeHttpHandler {
  constructor(
    options: ConstructorParameters<typeof NodeHttpHandler>[0],
    private readonly maxBodyBytes: number,
  ) {
    super(options);
  }

  override async handle(...[request, options]: Parameters<Handle>): ReturnType<Handle> {
    const out = await super.handle(request, options);
    const { response } = out;
    const body = response.body as IncomingMessage;
    const tooLarge = () =>
      new StsEndpointError(
        'StsResponseTooLarge',
        `STS answered HTTP ${response.statusCode} with a body over ${this.maxBodyBytes} bytes; refused unread`,
      );
    if (Number(response.headers['content-length']) > this.maxBodyBytes) {
      body.destroy();
      throw tooLarge();
    }
    let seen = 0;
    const max = this.maxBodyBytes;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        done(seen > max ? tooLarge() : null, chunk);
      },
    });
    // pipeline destroys the socket's stream too when the count or the deadline ends the body.
    pipeline(body, counted, { signal: options?.abortSignal as AbortSignal | undefined }).catch((err: Error) =>
      counted.destroy(err),
    );
    response.body = counted;
    return out;
  }
}

/** Names what went wrong when the SDK's error does not: a deadline abort, or a 200 it could not deserialize. */
function endpointError(err: unknown, aborted: boolean, deadlineMs: number): unknown {
  if (err instanceof StsEndpointError) return err;
  if (aborted)
    return new StsEndpointError('StsTimeout', `STS did not answer within ${deadlineMs} ms; call aborted`);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (err instanceof TypeError && status === 200) {
    const reason = err.message.split('\n')[0];
    return new StsEndpointError(
      'StsAnswerUnreadable',
      `STS answered HTTP 200 with a body the SDK cannot read: ${reason}`,
    );
  }
  return err;
}

export function stsFetcher(settings: StsSettings): { fetch: FetchCredentials; destroy(): void } {
  const deadlineMs = settings.deadlineMs ?? STS_DEADLINE_MS;
  const client = new STSClient({
    region: settings.region,
    endpoint: settings.endpoint,
    // The refresher owns retries (backoff, jitter, slow retry of errors a human must fix): one attempt per call.
    maxAttempts: 1,
    // No requestTimeout: the deadline below covers the whole call (the SDK's only warns, on stderr, not as JSON).
    requestHandler: new CappedBodyHandler(
      { connectionTimeout: 3000 },
      settings.maxBodyBytes ?? STS_MAX_BODY_BYTES,
    ),
  });
  const fetch: FetchCredentials = async () => {
    const command = new AssumeRoleWithWebIdentityCommand({
      RoleArn: settings.roleArn,
      RoleSessionName: settings.sessionName,
      DurationSeconds: settings.sessionDuration,
      WebIdentityToken: await readToken(settings.tokenFile),
    });
    const abortSignal = AbortSignal.timeout(deadlineMs);
    let out: AssumeRoleWithWebIdentityCommandOutput;
    try {
      out = await client.send(command, { abortSignal });
    } catch (err) {
      throw endpointError(err, abortSignal.aborted, deadlineMs);
    }
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
