/** Memory and CPU of another process, from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS (now) or VmHWM (peak) of `pid`, in MiB. */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no ${field} for process ${pid}`);
  return kib / 1024;
}

/** Fields of `/proc/<pid>/smaps_rollup` in MiB, by name (`Rss`, `Pss`, `Anonymous`, `Private_Clean`...). */
function smapsRollupMiB(pid: number): (field: string) => number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return (field) => {
    const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1]);
    if (!Number.isFinite(kib)) throw new Error(`no ${field} in smaps_rollup of process ${pid}`);
    return kib / 1024;
  };
}

/** RSS of `pid` split into anonymous memory (V8 heap, malloc) and file-backed pages (mostly the node binary), MiB. */
export function rssSplitMiB(pid: number): { anonymous: number; file: number } {
  const mib = smapsRollupMiB(pid);
  return { anonymous: mib('Anonymous'), file: mib('Rss') - mib('Anonymous') };
}

/**
 * What `pid` costs in memory, MiB: PSS (its private pages plus its share of each page it shares, so the PSS of all
 * processes sharing a binary adds up to what they use together), USS (pages only it maps, clean or dirty) and
 * anonymous memory (V8 heap, malloc).
 */
export function memoryCostMiB(pid: number): { pss: number; uss: number; anonymous: number } {
  const mib = smapsRollupMiB(pid);
  return {
    pss: mib('Pss'),
    uss: mib('Private_Clean') + mib('Private_Dirty'),
    anonymous: mib('Anonymous'),
  };
}

/** The file `name` of each thread of `pid` (/proc/<pid>/task/<tid>/<name>), skipping threads that exit meanwhile. */
function perThread(pid: number, name: string): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return [readFileSync(`/proc/${pid}/task/${tid}/${name}`, 'utf8')];
    } catch {
      return []; // the thread exited after the listing
    }
  });
}

/**
 * Context switches of `pid` so far, voluntary and not, summed over its threads: each one is a time the process was
 * woken up (or preempted), so an idle process that never wakes adds none. Threads that exited take their counts.
 */
export function contextSwitches(pid: number): number {
  let sum = 0;
  for (const status of perThread(pid, 'status'))
    for (const field of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches'])
      sum += Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return sum;
}

/**
 * CPU time `pid`'s threads have run so far, in ms, from the scheduler's nanosecond count (schedstat), where
 * /proc/<pid>/stat counts whole 10 ms clock ticks and charges a tick to whichever process it lands on.
 */
export function cpuMsPrecise(pid: number): number {
  return perThread(pid, 'schedstat').reduce((sum, line) => sum + Number(line.split(' ')[0]) / 1e6, 0);
}

/** User + system CPU seconds `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
