/**
 * Merges two renderings of the same template text into one Helm template: lines both share stay as they are, the
 * differing runs become `{{- if COND }} a {{- else }} b {{- end }}`. Earlier merges' if-blocks are kept whole, so
 * merges nest correctly.
 */

const OPEN = /^\{\{- (if|range|with) /;
const CLOSE = /^\{\{- end \}\}$/;

/** Splits a template into units: single lines, or whole `{{- if … }} … {{- end }}` blocks. */
export function units(text: string): string[] {
  const out: string[] = [];
  let block: string[] = [];
  let depth = 0;
  for (const line of text.split('\n')) {
    if (OPEN.test(line)) depth++;
    if (depth > 0) block.push(line);
    else out.push(line);
    if (CLOSE.test(line)) {
      depth--;
      if (depth === 0) {
        out.push(block.join('\n'));
        block = [];
      }
    }
  }
  if (depth !== 0) throw new Error('unbalanced template block');
  return out;
}

/** Longest common subsequence table of two unit lists (they are a few hundred units at most). */
function lcs(a: string[], b: string[]): number[][] {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
    }
  }
  return t;
}

function hunk(a: string[], b: string[], cond: string): string[] {
  if (a.length === 0 && b.length === 0) return [];
  if (b.length === 0) return [`{{- if ${cond} }}`, ...a, '{{- end }}'];
  if (a.length === 0) return [`{{- if not (${cond}) }}`, ...b, '{{- end }}'];
  return [`{{- if ${cond} }}`, ...a, '{{- else }}', ...b, '{{- end }}'];
}

/** One template that renders as `a` when `cond` holds and as `b` otherwise. */
export function mergeText(a: string, b: string, cond: string): string {
  const ua = units(a);
  const ub = units(b);
  const t = lcs(ua, ub);
  const out: string[] = [];
  let da: string[] = [];
  let db: string[] = [];
  let i = 0;
  let j = 0;
  while (i < ua.length || j < ub.length) {
    if (i < ua.length && j < ub.length && ua[i] === ub[j]) {
      out.push(...hunk(da, db, cond), ua[i]);
      da = [];
      db = [];
      i++;
      j++;
    } else if (j >= ub.length || (i < ua.length && t[i + 1][j] >= t[i][j + 1])) {
      da.push(ua[i++]);
    } else {
      db.push(ub[j++]);
    }
  }
  out.push(...hunk(da, db, cond));
  return out.join('\n');
}

/** Merges two sets of templates keyed by object; an object present on one side only is wrapped in the condition. */
export function mergeTemplates(
  a: Map<string, string>,
  b: Map<string, string>,
  cond: string,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const ta = a.get(key);
    const tb = b.get(key);
    if (ta !== undefined && tb !== undefined) out.set(key, mergeText(ta, tb, cond));
    else if (ta !== undefined) out.set(key, hunk(ta.split('\n'), [], cond).join('\n'));
    else out.set(key, hunk([], tb!.split('\n'), cond).join('\n'));
  }
  return out;
}
