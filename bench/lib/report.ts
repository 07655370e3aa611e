/** BENCHMARKS.md sections: each bench owns the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';

export const BENCHMARKS_FILE = resolve(__dirname, '../../BENCHMARKS.md');

/** Replaces only this bench's block (appending it when absent), leaving every other section as it is. */
export function writeBenchmarkSection(name: string, markdown: string, file = BENCHMARKS_FILE): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** One line naming the machine, the Node that runs the measured servers, and the load, for the section's header. */
export function machineLine(serversNode: string): string {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  return `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, servers on Node ${serversNode} (load generator on Node ${process.version}), load average at start ${load}`;
}
