/** The order of the admission rules; each rule lives in its own module. */
import { allow, badRequest, invalid, isRecord, parseReview } from './envelope';
import type { AdmissionResult, InjectionSettings, ReviewContext } from './index';
import { ENABLED_LABEL } from './keys';

export function decide(
  body: unknown,
  _settings: InjectionSettings,
  _context: ReviewContext,
): AdmissionResult {
  const parsed = parseReview(body);
  if (!parsed.ok) return badRequest(parsed.error);
  const { uid, kind, operation, subResource, object } = parsed.request;
  if (kind.group !== '' || kind.version !== 'v1' || kind.kind !== 'Pod') {
    const got = `${kind.group ? `${kind.group}/` : ''}${kind.version || '?'} ${kind.kind || '?'}`;
    return invalid(
      uid,
      `the imds-emulator webhook only reviews core/v1 Pods, got ${got}: fix the webhook's rules`,
    );
  }
  if (subResource !== '') return allow(uid, `subresource ${subResource} is not reviewed`);
  if (operation !== 'CREATE')
    return allow(uid, `operation ${operation || '(none)'} is not reviewed, only CREATE`);
  if (!isRecord(object)) return invalid(uid, 'AdmissionReview.request.object must be the Pod being created');
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  if (labels[ENABLED_LABEL] !== 'True') return allow(uid, `label ${ENABLED_LABEL} is not "True"`);
  // Work in progress: the mutation itself lands in the next commit.
  return invalid(uid, 'imds-emulator injection is not built yet');
}
