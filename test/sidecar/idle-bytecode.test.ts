/**
 * flushIdleBytecodeSooner() in a fresh Node process (compiled, `npm run build` first): bytecode of functions that ran
 * once is gone after three major GCs with it, and stays without it (V8 then waits for six).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const MODULE = resolve(__dirname, '../../emulator/lib/sidecar/idle-bytecode.js');

// Runs 300 functions once, then allocates until three major GCs have run; prints the bytecode size before the
// functions ran and at the end. Run from a file: under node -e, V8 flushed nothing even with the flag.
const PROBE = `
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
if (process.argv[2] === 'on') require(process.env.MODULE).flushIdleBytecodeSooner();
const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;
const fns = require(process.env.FUNCTIONS);
const before = bytecode();
for (const f of fns) f(3);
let majors = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
let garbage = [];
(function allocate() {
  for (let i = 0; i < 2000; i++) garbage.push(new Array(100).fill(i));
  if (garbage.length > 200000) garbage = [];
  if (majors < 3) return setImmediate(allocate);
  process.stdout.write(JSON.stringify({ before, after: bytecode() }));
  process.exit(0);
})();
`;

describe('flushIdleBytecodeSooner', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imds-bytecode-'));
    const bodies = Array.from(
      { length: 300 },
      (_, i) =>
        `function f${i}(a) { let s = ${i}; for (let j = 0; j < a; j++) s += j * ${i} + (s % 7); return s; }`,
    );
    writeFileSync(join(dir, 'functions.js'), `module.exports = [${bodies.join(',\n')}];\n`);
    writeFileSync(join(dir, 'probe.js'), PROBE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const probe = async (mode: 'on' | 'off') => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'probe.js'), mode], {
      env: { ...process.env, MODULE, FUNCTIONS: join(dir, 'functions.js') },
    });
    return JSON.parse(stdout) as { before: number; after: number };
  };

  it('drops bytecode unused over a full GC, which V8 keeps by default', async () => {
    const on = await probe('on');
    expect(on.after).toBeLessThan(on.before / 2);
    const off = await probe('off');
    expect(off.after).toBeGreaterThan(off.before / 2);
  });
});
