/** Pure helpers of the drift check: read a directory tree and list the files whose contents differ. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Relative path → content of every file under `dir` (empty when `dir` does not exist). */
export function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return out;
}

/** Files missing, extra or different between `expected` and `actual`, sorted and prefixed with `label/`. */
export function driftedFiles(
  label: string,
  expected: Map<string, string>,
  actual: Map<string, string>,
): string[] {
  const names = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  return names.filter((n) => expected.get(n) !== actual.get(n)).map((n) => `${label}/${n}`);
}
