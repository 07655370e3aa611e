/** The small pure parts on their own: ARN globs, port choice, and that the schema check can fail at all. */
import { Pod } from 'kubernetes-models/v1';
import { allowedRolePatterns, globMatches } from '../../../emulator/src/webhook/admission/namespace';
import { choosePorts } from '../../../emulator/src/webhook/admission/ports';
import { type Json, podWith, run } from './support';

const ARN = 'arn:aws:iam::123456789012:role/team-a/batch/loader';

describe('globMatches', () => {
  test.each([
    [ARN, true],
    ['arn:aws:iam::123456789012:role/team-a/batch/*', true],
    ['arn:aws:iam::123456789012:role/team-a/*', false], // * stays inside one path segment
    ['arn:aws:iam::123456789012:role/team-a/**', true], // ** crosses segments
    ['arn:aws:iam::123456789012:role/**', true],
    ['arn:aws:iam::*:role/team-a/batch/loader', true],
    ['arn:aws:iam::123456789012:role/team-a/batch/load??', true],
    ['arn:aws:iam::123456789012:role/team-a?batch/loader', false], // ? never matches /
    ['arn:aws:iam::123456789012:role/team-a/batch/loade', false], // anchored at the end
    ['aws:iam::123456789012:role/team-a/batch/loader', false], // anchored at the start
    ['arn:aws:iam::123456789012:role/team-a/batch/loader*', true],
    ['**', true],
    ['*', false],
    ['', false],
    ['arn:aws:iam::123456789012:role/team.a/**', false], // . is literal, not "any character"
  ])('%s → %s', (pattern, expected) => {
    expect(globMatches(pattern, ARN)).toBe(expected);
  });

  test('regular-expression characters are literal', () => {
    expect(globMatches('arn:aws:iam::1:role/a+(b)[c]{2}$^|\\', 'arn:aws:iam::1:role/a+(b)[c]{2}$^|\\')).toBe(
      true,
    );
    expect(globMatches('arn:aws:iam::1:role/a+', 'arn:aws:iam::1:role/aa')).toBe(false);
  });

  test('a pattern full of stars against a long ARN is answered (no backtracking blow-up)', () => {
    const arn = `arn:aws:iam::123456789012:role/${'a/'.repeat(200)}${'a'.repeat(64)}`;
    expect(globMatches(`${'*a'.repeat(150)}b`, arn)).toBe(false);
    expect(globMatches(`${'**a'.repeat(150)}b`, arn)).toBe(false);
  });

  test('the annotation is split on commas, trimmed, empty entries dropped', () => {
    expect(allowedRolePatterns(' a , ,b,, c ')).toEqual(['a', 'b', 'c']);
    expect(allowedRolePatterns('')).toEqual([]);
  });
});

describe('choosePorts', () => {
  const preferred = { imds: 16925, health: 16926 };

  test('no collision: the preferred ports', () => {
    expect(choosePorts(preferred, new Set([80, 8080]))).toEqual({ ports: preferred, moved: [] });
  });

  test('each port moves only when declared, never onto the other', () => {
    expect(choosePorts(preferred, new Set([16925]))?.ports).toEqual({ imds: 16927, health: 16926 });
    expect(choosePorts(preferred, new Set([16926]))?.ports).toEqual({ imds: 16925, health: 16927 });
    expect(choosePorts(preferred, new Set([16925, 16926, 16927]))?.ports).toEqual({
      imds: 16928,
      health: 16929,
    });
  });

  test('wraps round from 65535 to 1024', () => {
    expect(choosePorts({ imds: 65535, health: 65534 }, new Set([65535]))?.ports).toEqual({
      imds: 1024,
      health: 65534,
    });
  });

  test('no port left: undefined, and the pod is denied with that reason', () => {
    const all = new Set(Array.from({ length: 65535 - 1023 }, (_, i) => 1024 + i));
    expect(choosePorts(preferred, all)).toBeUndefined();
    const ports = [...all].map((containerPort) => ({ containerPort }));
    const { result } = run(podWith({}, { containers: [{ name: 'app', image: 'a', ports }] }));
    expect(result.outcome).toBe('denied');
    expect(result.reason).toContain('none is left for the IMDS emulator');
  });
});

test('the kubernetes-models schema check used by the fixture tests rejects invalid pods', () => {
  const invalid: Json = podWith();
  invalid.spec.containers[0].ports = [{ containerPort: 'http' }];
  expect(() => new Pod(invalid).validate()).toThrow();
  const badInit: Json = podWith();
  badInit.spec.initContainers = [{ name: 'x', image: 'x', restartPolicy: 7 }];
  expect(() => new Pod(badInit).validate()).toThrow();
});
