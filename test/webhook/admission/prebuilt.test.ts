/** Prebuilt containers: the patch bytes are JSON.stringify's, and the cache never mixes up two pods' sidecars. */
import type { Operation } from 'fast-json-patch';
import { prebuilt, serializePatch } from '../../../emulator/src/webhook/admission/prebuilt';
import { container, P, podWith, run, settings } from './support';

test('serializePatch gives exactly what JSON.stringify gives', () => {
  const owner = {};
  const sidecar = prebuilt(owner, 'a', () => ({
    name: 'x',
    args: ['a "quoted" \\ arg', 'é'],
    n: 1,
    b: false,
  }));
  const volume = prebuilt(owner, 'b', () => ({ name: 'v', emptyDir: {} }));
  const patch: Operation[] = [
    { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'A', value: 'b' } },
    { op: 'add', path: '/spec/initContainers', value: [sidecar, { name: 'plain' }] },
    { op: 'add', path: '/spec/initContainers/1', value: sidecar },
    { op: 'add', path: '/spec/volumes/-', value: volume },
    { op: 'add', path: '/metadata/annotations/a~1b', value: 'image' },
    { op: 'remove', path: '/x' },
  ];
  expect(serializePatch(patch)).toBe(JSON.stringify(patch));
  expect(prebuilt(owner, 'a', () => ({ other: true }))).toBe(sidecar);
  expect(Object.isFrozen(sidecar)).toBe(true);
});

test('each pod gets the sidecar of its own annotations, reviews after reviews', () => {
  const s = settings();
  const cases: Record<string, string>[] = [
    { [`${P}role-arn`]: 'arn:aws:iam::123456789012:role/a' },
    { [`${P}role-arn`]: 'arn:aws:iam::123456789012:role/b', [`${P}region`]: 'eu-west-1' },
    { [`${P}role-arn`]: 'arn:aws:iam::123456789012:role/a', [`${P}http-tokens`]: 'required' },
    { [`${P}role-arn`]: 'arn:aws:iam::123456789012:role/a', [`${P}session-duration`]: '900' },
  ];
  for (let round = 0; round < 2; round++) {
    for (const annotations of cases) {
      const args: string[] = container(
        run(podWith(annotations), { settings: s }).patched,
        'imds-emulator',
      ).args;
      expect(args).toContain(annotations[`${P}role-arn`]);
      expect(args).toContain(annotations[`${P}region`] ?? 'us-east-1');
      expect(args).toContain(annotations[`${P}http-tokens`] ?? 'optional');
      expect(args).toContain(annotations[`${P}session-duration`] ?? '3600');
    }
  }
  const moved = run(
    podWith({}, { containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 16925 }] }] }),
  );
  expect(container(moved.patched, 'imds-emulator').args).toContain('16927');
});
