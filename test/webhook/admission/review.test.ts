/** The envelope: what is and is not an AdmissionReview, what is reviewed at all, and the never-throw guarantee. */
import { reviewAdmission } from '../../../emulator/src/webhook/admission';
import { type Json, P, podWith, reviewOf, run, runReview, settings } from './support';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

describe('input that is not an AdmissionReview gets HTTP 400 with an error', () => {
  test.each([
    ['null', null, 'must be a JSON object'],
    ['a string', 'hello', 'must be a JSON object'],
    ['an array', [reviewOf(podWith())], 'must be a JSON object'],
    ['a wrong kind', { ...reviewOf(podWith()), kind: 'Pod' }, 'expected kind "AdmissionReview", got "Pod"'],
    [
      'v1beta1',
      { ...reviewOf(podWith()), apiVersion: 'admission.k8s.io/v1beta1' },
      'admissionReviewVersions: ["v1"]',
    ],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'request is missing'],
    ['no uid', reviewOf(podWith(), { uid: undefined }), 'request.uid is missing'],
    ['a numeric uid', reviewOf(podWith(), { uid: 42 }), 'request.uid is missing'],
  ])('%s', (_name, body, message) => {
    const { result } = runReview(body);
    expect(result.httpStatus).toBe(400);
    expect(result.outcome).toBe('invalid');
    expect((result.body as Json).error).toContain(message);
    expect(result.reason).toContain(message);
  });
});

describe('well-formed reviews the webhook cannot judge are refused in an AdmissionReview', () => {
  test('a non-Pod resource names what it got and what to fix', () => {
    const body = reviewOf(
      { kind: 'Deployment' },
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
    );
    const { result, response } = runReview(body);
    expect(result.httpStatus).toBe(200);
    expect(result.outcome).toBe('invalid');
    expect(response).toMatchObject({ uid: UID, allowed: false, status: { code: 400 } });
    expect(response.status.message).toContain('only reviews core/v1 Pods, got apps/v1 Deployment');
    expect(response.status.message).toContain('webhook configuration');
  });

  test('a CREATE without an object', () => {
    const { result, response } = runReview(reviewOf(undefined));
    expect(result.outcome).toBe('invalid');
    expect(response.status.message).toContain('request.object must be the Pod');
  });

  test.each([
    ['spec.containers is not a list', { containers: 'app' }, 'spec.containers must be a list'],
    [
      'a container without a name',
      { containers: [{ image: 'x' }] },
      'spec.containers[0].name must be a string',
    ],
    [
      'env without names',
      { containers: [{ name: 'a', env: [{ value: 'x' }] }] },
      'spec.containers[0].env[0]',
    ],
    [
      'a port that is not a number',
      { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] },
      'ports[0]',
    ],
    ['a volume without a name', { containers: [], volumes: [{}] }, 'spec.volumes[0] needs a name'],
  ])('a malformed pod: %s', (_name, spec, message) => {
    const pod = podWith();
    pod.spec = spec;
    const { result, response } = run(pod);
    expect(result.outcome).toBe('invalid');
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain(message);
  });

  test('a review without a namespace', () => {
    const { result, response } = runReview(reviewOf(podWith(), { namespace: undefined }));
    expect(result.outcome).toBe('invalid');
    expect(response.status.message).toContain('request.namespace is missing');
  });
});

describe('what is not reviewed is allowed unchanged', () => {
  test.each([
    ['UPDATE', { operation: 'UPDATE' }, 'operation UPDATE'],
    [
      'a subresource',
      { subResource: 'ephemeralcontainers', operation: 'UPDATE' },
      'subresource ephemeralcontainers',
    ],
  ])('%s', (_name, request, reason) => {
    const { result, response } = runReview(reviewOf(podWith(), request));
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toContain(reason);
    expect(response).toEqual({ uid: UID, allowed: true });
  });

  test.each([
    ['no label', undefined],
    ['"False"', 'False'],
    ['"false"', 'false'],
    ['a number', 1],
  ])('label %s', (_name, value) => {
    const pod = podWith();
    if (value === undefined) delete pod.metadata.labels[`${P}enabled`];
    else pod.metadata.labels[`${P}enabled`] = value;
    const { result, response, warnings } = run(pod);
    expect(result.outcome).toBe('skipped');
    expect(response).toEqual({ uid: UID, allowed: true });
    expect(warnings).toEqual([]);
  });

  test('a pod that did not opt in is not judged, even when malformed', () => {
    const { result } = run({ metadata: { labels: { app: 'x' } }, spec: { containers: 'not a list' } });
    expect(result.outcome).toBe('skipped');
  });

  // A real API server sends these only when the objectSelector is the contract's ENABLED_SELECTOR (label exists):
  // with `In [True]` it never calls the webhook for them, and no warning can appear.
  test.each(['true', 'TRUE', 'yes', ''])(
    'label "%s" is skipped with a warning that only "True" enables',
    (value) => {
      const { result, response } = run(podWith({}, {}, { [`${P}enabled`]: value }));
      expect(result.outcome).toBe('skipped');
      expect(response.patch).toBeUndefined();
      expect(response.warnings).toEqual([
        `label ${P}enabled is "${value}": only "True" enables the IMDS emulator`,
      ]);
    },
  );
});

test('an exception inside the decision becomes HTTP 500, not a throw', () => {
  const result = reviewAdmission(reviewOf(podWith()), settings(), {
    sidecarMode: 'native',
    namespace: () => {
      throw new Error('cache exploded');
    },
  });
  expect(result).toEqual({
    httpStatus: 500,
    outcome: 'invalid',
    body: { error: 'internal error in the imds-emulator webhook: cache exploded' },
    reason: 'internal error in the imds-emulator webhook: cache exploded',
  });
});

test('a mutated answer is a v1 AdmissionReview with the uid echoed and a base64 JSON Patch', () => {
  const { result } = run(podWith());
  expect(result.httpStatus).toBe(200);
  expect(result.outcome).toBe('mutated');
  const body = result.body as Json;
  expect(body.apiVersion).toBe('admission.k8s.io/v1');
  expect(body.kind).toBe('AdmissionReview');
  expect(body.response.uid).toBe(UID);
  expect(body.response.allowed).toBe(true);
  expect(body.response.patchType).toBe('JSONPatch');
  expect(Array.isArray(JSON.parse(Buffer.from(body.response.patch, 'base64').toString('utf8')))).toBe(true);
});
