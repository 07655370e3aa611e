/** Reading an AdmissionReview request and writing the AdmissionReview (or plain error) that answers it. */
import type { Operation } from 'fast-json-patch';
import type { AdmissionOutcome, AdmissionResult } from './index';

const REVIEW_API_VERSION = 'admission.k8s.io/v1';

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  operation: string;
  subResource: string;
  namespace: string;
  object: unknown;
}

export type ParsedReview = { ok: true; request: AdmissionRequest } | { ok: false; error: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Checks the envelope only; what is inside `request.object` is the caller's business. */
export function parseReview(body: unknown): ParsedReview {
  if (!isRecord(body))
    return { ok: false, error: 'the request body must be a JSON object (an AdmissionReview)' };
  if (body.kind !== 'AdmissionReview') {
    return { ok: false, error: `expected kind "AdmissionReview", got ${JSON.stringify(body.kind)}` };
  }
  if (body.apiVersion !== REVIEW_API_VERSION) {
    return {
      ok: false,
      error: `expected apiVersion "${REVIEW_API_VERSION}", got ${JSON.stringify(body.apiVersion)}; set admissionReviewVersions: ["v1"] in the webhook configuration`,
    };
  }
  const request = body.request;
  if (!isRecord(request)) return { ok: false, error: 'AdmissionReview.request is missing or not an object' };
  if (typeof request.uid !== 'string' || request.uid === '') {
    return { ok: false, error: 'AdmissionReview.request.uid is missing or not a non-empty string' };
  }
  const kind = request.kind;
  return {
    ok: true,
    request: {
      uid: request.uid,
      kind: isRecord(kind)
        ? {
            group: optionalString(kind.group),
            version: optionalString(kind.version),
            kind: optionalString(kind.kind),
          }
        : { group: '', version: '', kind: '' },
      operation: optionalString(request.operation),
      subResource: optionalString(request.subResource),
      namespace: optionalString(request.namespace),
      object: request.object,
    },
  };
}

/** Warnings end up in HTTP Warning headers and kubectl output, one line each; the API server truncates long ones. */
export type Warnings = readonly string[];

/** Warnings quote user input (annotation keys), which a webhook sees before validation: no control characters. */
function oneLine(warning: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return warning.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

function review(uid: string, response: Record<string, unknown>, warnings: Warnings): unknown {
  return {
    apiVersion: REVIEW_API_VERSION,
    kind: 'AdmissionReview',
    response: { uid, ...response, ...(warnings.length > 0 ? { warnings: warnings.map(oneLine) } : {}) },
  };
}

function result(outcome: AdmissionOutcome, reason: string, body: unknown, httpStatus = 200): AdmissionResult {
  return { httpStatus, body, outcome, reason };
}

export function badRequest(error: string): AdmissionResult {
  return result('invalid', error, { error }, 400);
}

export function allow(uid: string, reason: string, warnings: Warnings = []): AdmissionResult {
  return result('skipped', reason, review(uid, { allowed: true }, warnings));
}

export function mutate(uid: string, patch: Operation[], reason: string, warnings: Warnings): AdmissionResult {
  const encoded = Buffer.from(JSON.stringify(patch)).toString('base64');
  return result(
    'mutated',
    reason,
    review(uid, { allowed: true, patchType: 'JSONPatch', patch: encoded }, warnings),
  );
}

export function deny(uid: string, message: string, warnings: Warnings = []): AdmissionResult {
  return result(
    'denied',
    message,
    review(uid, { allowed: false, status: { code: 403, reason: 'Forbidden', message } }, warnings),
  );
}

/** A well-formed review of something this webhook cannot judge: refused, with what is wrong. */
export function invalid(uid: string, message: string): AdmissionResult {
  return result(
    'invalid',
    message,
    review(uid, { allowed: false, status: { code: 400, reason: 'BadRequest', message } }, []),
  );
}
