/** Memory and CPU of another process, from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** VmRSS (now) or VmHWM (peak) of `pid`, in MiB. */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no ${field} for process ${pid}`);
  return kib / 1024;
}

/** RSS of `pid` split into anonymous memory (V8 heap, malloc) and file-backed pages (mostly the node binary), MiB. */
export function rssSplitMiB(pid: number): { anonymous: number; file: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1]);
  const [rss, anonymous] = [kib('Rss'), kib('Anonymous')];
  if (!Number.isFinite(rss) || !Number.isFinite(anonymous))
    throw new Error(`no smaps_rollup for process ${pid}`);
  return { anonymous: anonymous / 1024, file: (rss - anonymous) / 1024 };
}

/** User + system CPU seconds `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
