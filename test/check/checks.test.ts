/** The verdicts of `imds-emulator check`, from what each probe saw: pure, no network. */
import {
  type CheckResult,
  credentials,
  exitCode,
  expiry,
  imdsV1,
  reach,
  role,
  skip,
  sts,
  token,
} from '../../emulator/src/check/checks';
import { humanReport, jsonReport } from '../../emulator/src/check/report';
import { MIN_SERVED_VALIDITY_MS } from '../../emulator/src/sidecar/refresh-policy';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const EP = 'http://169.254.169.254';
const doc = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    Code: 'Success',
    Type: 'AWS-HMAC',
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 'secret-value',
    Token: 'session-token',
    Expiration: '2026-01-01T01:00:00Z',
    ...overrides,
  });

describe('check verdicts', () => {
  it('reach: no answer fails naming the opt-in; a real IMDS (it knows an instance id) fails; the sidecar passes', () => {
    const refused = reach('reach', EP, { error: 'ECONNREFUSED' }, { error: 'ECONNREFUSED' });
    expect(refused.status).toBe('fail');
    expect(refused.fix).toContain('aws-imds-emulator-enabled: "True"');
    expect(refused.fix).toContain('--endpoint');
    const node = reach('reach', EP, { status: 200, ttl: '60', body: 't' }, { status: 200, body: 'i-0abc' });
    expect([node.status, node.message]).toEqual([
      'fail',
      expect.stringContaining("the node's, not the sidecar"),
    ]);
    expect(reach('reach', EP, { status: 200, ttl: '60', body: 't' }, { status: 404, body: '' }).status).toBe(
      'pass',
    );
  });

  it('token: 200 with the TTL header echoed passes; without it, or 403/404, fails', () => {
    expect(token({ status: 200, ttl: '60', body: 'tok' }, '60').status).toBe('pass');
    expect(token({ status: 200, body: 'tok' }, '60').message).toContain('without a TTL header');
    expect(token({ status: 403, body: '' }, '60').status).toBe('fail');
    expect(token({ error: 'timeout' }, '60').status).toBe('fail');
  });

  it('imdsv1: judged by the expected http-tokens; either is fine when none is given', () => {
    const served = { status: 200, body: 'role' };
    const refused = { status: 401, body: '' };
    expect(imdsV1(served, undefined).status).toBe('pass');
    expect(imdsV1(refused, undefined).status).toBe('pass');
    expect(imdsV1(served, 'optional').status).toBe('pass');
    expect(imdsV1(refused, 'required').status).toBe('pass');
    const wrong = imdsV1(served, 'required');
    expect(wrong.status).toBe('fail');
    expect(wrong.fix).toContain('aws-imds-emulator-http-tokens: "required"');
    expect(imdsV1(refused, 'optional').status).toBe('fail');
    expect(imdsV1({ status: 500, body: '' }, undefined).status).toBe('fail');
  });

  it('role: exactly one role name', () => {
    expect(role({ status: 200, body: 'app-role' })).toEqual({
      result: expect.objectContaining({ status: 'pass' }),
      roleName: 'app-role',
    });
    for (const body of ['a\nb', '', 'app-role\n'])
      expect(role({ status: 200, body }).result.status).toBe('fail');
    expect(role({ status: 401, body: '' }).result.status).toBe('fail');
  });

  it('credentials: what SDKs require; 503 points at the STS error in the log; secrets never in messages', () => {
    const ok = credentials({ status: 200, body: doc() });
    expect(ok.result.status).toBe('pass');
    expect(ok.credentials?.expiresAt).toBe(Date.parse('2026-01-01T01:00:00Z'));
    expect(JSON.stringify(ok.result)).not.toMatch(/secret-value|session-token|ASIAEXAMPLE/);
    const none = credentials({ status: 503, body: '' });
    expect([none.result.status, none.result.fix]).toEqual([
      'fail',
      expect.stringContaining('-c imds-emulator'),
    ]);
    for (const body of [
      doc({ Code: 'Failure' }),
      doc({ Token: 5 }),
      doc({ Expiration: '2026-01-01T01:00:00.000Z' }),
      'not json',
    ])
      expect([body, credentials({ status: 200, body }).result.status]).toEqual([body, 'fail']);
  });

  it('expiry: at least the served minimum left passes, less fails', () => {
    expect(expiry(NOW + MIN_SERVED_VALIDITY_MS, NOW).status).toBe('pass');
    const short = expiry(NOW + MIN_SERVED_VALIDITY_MS - 1000, NOW);
    expect([short.status, short.message]).toEqual(['fail', expect.stringContaining('only 29 min left')]);
    expect(expiry(NOW - 5000, NOW).message).toContain('only 0 min left');
  });

  it('sts: the caller must be a session of the listed role', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/app-role/ns.pod';
    expect(sts({ arn }, 'app-role').status).toBe('pass');
    expect(sts({ arn: 'arn:aws:sts::123456789012:assumed-role/other/ns.pod' }, 'app-role').status).toBe(
      'fail',
    );
    expect(sts({ arn: 'arn:aws:iam::123456789012:user/app-role' }, 'app-role').status).toBe('fail');
    expect(sts({ arn: 'arn:aws:sts::123456789012:assumed-role/app.role/s' }, 'app-role').status).toBe('fail');
    expect(sts({ error: 'InvalidClientTokenId: bad' }, 'app-role').status).toBe('fail');
  });

  it('exit code and reports: 0 only without failures; skips do not fail', () => {
    const passed: CheckResult[] = [expiry(NOW + 3600_000, NOW), skip('sts', 'not asked for')];
    const failed = [...passed, token({ status: 404, body: '' }, '60')];
    expect(exitCode(passed)).toBe(0);
    expect(exitCode(failed)).toBe(1);
    expect(humanReport(passed)).toMatch(/^ok {3}expiry: .*\nskip sts: not asked for\nall checks passed\n$/);
    expect(humanReport(failed)).toMatch(/FAIL token: .*\n {5}fix: .*\n1 check failed\n$/);
    expect(JSON.parse(jsonReport(failed))).toEqual({ ok: false, checks: failed });
  });
});
