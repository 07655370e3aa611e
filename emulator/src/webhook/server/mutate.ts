/**
 * The HTTP side of `POST /mutate`: reads a bounded body, parses JSON, hands it to the pure admission decision and
 * writes its answer. Whatever arrives, the answer is an HTTP error with a JSON `{error}` body or the decision's
 * AdmissionReview, and the process never throws out of a request.
 *
 * Content-Type is not enforced: the API server always sends application/json, and a hand-made request with another
 * type gets the same clear parse error as any other non-JSON body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/logger';
import type { AdmissionResult, InjectionSettings, ReviewContext } from '../admission';
import { BodyBudget, type BodyReservation } from './body-budget';
import type { WebhookMetrics } from './metrics';

/** Far above any real Pod (etcd caps objects at 1.5 MiB); anything larger is not an AdmissionReview we can use. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type ReviewFn = (
  body: unknown,
  settings: InjectionSettings,
  context: ReviewContext,
) => AdmissionResult;

export interface MutateHandlerOptions {
  review: ReviewFn;
  settings: InjectionSettings;
  /** Called per request, so a changed sidecar mode or namespace cache is seen at once. */
  context: () => ReviewContext;
  metrics: WebhookMetrics;
  logger: Logger;
  maxBodyBytes?: number;
}

/** Seconds a client told 503 for the body budget should wait: the bodies in flight are answered within that. */
const BUSY_RETRY_AFTER_SECONDS = 1;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(json);
}

/**
 * Reads the body within the per-request limit and the shared budget: a declared Content-Length is reserved before any
 * of it is read, a chunked body as it arrives. Past either, the rest is read and dropped (see `finish`).
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  reservation: BodyReservation,
): Promise<Buffer | 'too-large' | 'over-budget'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return resolve('too-large');
    if (declared > 0 && !reservation.take(declared)) return resolve('over-budget');
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      const verdict = size > limit ? 'too-large' : reservation.take(size) ? undefined : 'over-budget';
      // Past a limit, keep reading but drop the data, so the connection stays in step for the next request.
      if (verdict) {
        refused = true;
        chunks.length = 0;
        resolve(verdict);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Only the identifying fields of a review go to the log: a Pod spec may carry secrets in env values. */
function identity(body: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  const request = (body as { request?: Record<string, unknown> } | null)?.request;
  if (typeof request !== 'object' || request === null) return fields;
  const metadata = (request.object as { metadata?: Record<string, unknown> } | undefined)?.metadata;
  const add = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') fields[key] = value.slice(0, 253);
  };
  add('uid', request.uid);
  add('namespace', request.namespace);
  add('name', request.name ?? metadata?.name);
  add('generateName', metadata?.generateName);
  return fields;
}

export function createMutateHandler(options: MutateHandlerOptions): Handler {
  const { metrics, logger } = options;
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  // One budget for every request of the server (the handler is made once per server).
  const budget = new BodyBudget();

  const finish = (res: ServerResponse, started: bigint, outcome: string, status: number, body: unknown) => {
    // After an early answer Node reads and discards the rest of the body, so the client can finish sending and read
    // the 413 instead of hitting a reset. A body declared absurdly large is not worth reading: close instead.
    send(res, status, body, outcome === 'too-large' && Number(res.req.headers['content-length']) > 4 * limit);
    metrics.reviews.inc({ outcome });
    metrics.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const mutate = async (req: IncomingMessage, res: ServerResponse, started: bigint) => {
    const reservation = budget.reservation();
    // 'close' comes once the answer is written or the connection is gone: the body is garbage by then.
    res.once('close', reservation.release);
    const raw = await readBody(req, limit, reservation);
    if (raw === 'over-budget') {
      metrics.shed.inc({ reason: 'body-budget' });
      logger.warn(
        { budgetBytes: budget.capacity, inUseBytes: budget.inUse },
        'review rejected: request bodies in flight are at the memory budget',
      );
      res.setHeader('retry-after', String(BUSY_RETRY_AFTER_SECONDS));
      return finish(res, started, 'over-budget', 503, {
        error: 'the webhook is at its memory budget for request bodies; retry shortly',
      });
    }
    if (raw === 'too-large') {
      logger.warn({ limitBytes: limit }, 'review rejected: request body too large');
      return finish(res, started, 'too-large', 413, { error: `request body exceeds ${limit} bytes` });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      // V8's message quotes part of the input, which may be a pod's secret env: keep only where parsing stopped.
      const message = (err as Error).message;
      const where =
        /at position \d+/.exec(message)?.[0] ?? (/end of JSON/.test(message) ? 'unexpected end' : '');
      const reason = `request body is not JSON${where ? ` (${where})` : ''}`;
      logger.warn({ reason }, 'review rejected');
      return finish(res, started, 'malformed', 400, {
        error: `${reason}; expected an admission.k8s.io/v1 AdmissionReview`,
      });
    }
    const result = options.review(body, options.settings, options.context());
    const level = result.outcome === 'skipped' ? 'debug' : result.outcome === 'invalid' ? 'warn' : 'info';
    const fields: Record<string, string> = identity(body);
    fields.outcome = result.outcome;
    fields.reason = result.reason;
    logger[level](fields, 'review');
    finish(res, started, result.outcome, result.httpStatus, result.body);
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/mutate') {
      send(res, 404, { error: `no such path ${path.slice(0, 100)}; the webhook serves POST /mutate` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      send(res, 405, { error: `method ${req.method} not allowed; use POST` });
      return;
    }
    mutate(req, res, started).catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'review failed');
      finish(res, started, 'error', 500, { error: 'internal error while handling the review' });
    });
  };
}
