import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftedFiles, listFiles } from '../../scripts/chart/drift';
import { mergeTemplates, mergeText, units } from '../../scripts/chart/merge';
import { renderTemplates } from '../../scripts/chart/templates';

describe('mergeText', () => {
  test('identical texts stay as they are', () => {
    expect(mergeText('a\nb', 'a\nb', 'C')).toBe('a\nb');
  });

  test('differing runs become if/else, one-sided runs if / if not', () => {
    expect(mergeText('a\nx\nb', 'a\ny\nb', 'C')).toBe('a\n{{- if C }}\nx\n{{- else }}\ny\n{{- end }}\nb');
    expect(mergeText('a\nx\nb', 'a\nb', 'C')).toBe('a\n{{- if C }}\nx\n{{- end }}\nb');
    expect(mergeText('a\nb', 'a\ny\nb', 'C')).toBe('a\n{{- if not (C) }}\ny\n{{- end }}\nb');
  });

  test('an earlier merge is kept whole, so nested conditions stay balanced', () => {
    const inner = mergeText('a\np\nz', 'a\nq\nz', 'I');
    const outer = mergeText('a\np\nz', inner, 'O');
    expect(outer).toBe(
      [
        'a',
        '{{- if O }}',
        'p',
        '{{- else }}',
        '{{- if I }}',
        'p',
        '{{- else }}',
        'q',
        '{{- end }}',
        '{{- end }}',
        'z',
      ].join('\n'),
    );
    expect(() => units(outer)).not.toThrow();
  });

  test('fails on an unbalanced template', () => {
    expect(() => units('{{- if X }}\na')).toThrow('unbalanced template block');
  });

  test('objects present on one side only are wrapped whole', () => {
    const merged = mergeTemplates(new Map([['A', 'a']]), new Map([['B', 'b']]), 'C');
    expect(Object.fromEntries(merged)).toEqual({
      A: '{{- if C }}\na\n{{- end }}',
      B: '{{- if not (C) }}\nb\n{{- end }}',
    });
  });
});

describe('renderTemplates', () => {
  const templates = renderTemplates();

  test('no marker survives in the templates', () => {
    for (const text of templates.values())
      expect(text).not.toMatch(/zz[a-z]+zz|HELMSUBST|zz-marker|sha256:e{64}/);
  });

  test('every value the construct uses is templated', () => {
    const all = [...templates.values()].join('\n');
    for (const expr of [
      '.Values.replicaCount',
      '.Values.image.digest',
      '.Values.webhook.excludedNamespaces',
      '.Values.sidecar.stsEndpoint',
      '.Values.certificate.certManager.issuer.name',
      '.Release.Namespace',
    ]) {
      expect(all).toContain(expr);
    }
  });
});

describe('drift check', () => {
  test('lists missing, extra and changed files only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imds-drift-test-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'same.yaml'), 'a');
      writeFileSync(join(dir, 'sub', 'changed.yaml'), 'old');
      writeFileSync(join(dir, 'extra.yaml'), 'x');
      const expected = new Map([
        ['same.yaml', 'a'],
        ['sub/changed.yaml', 'new'],
        ['missing.yaml', 'm'],
      ]);
      expect(driftedFiles('chart', expected, listFiles(dir))).toEqual([
        'chart/extra.yaml',
        'chart/missing.yaml',
        'chart/sub/changed.yaml',
      ]);
      expect(listFiles(join(dir, 'absent')).size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
