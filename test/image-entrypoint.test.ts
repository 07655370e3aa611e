/**
 * The image's ENTRYPOINT has one definition, emulator/image/entrypoint.json (build.sh reads it): emulator/Dockerfile
 * restates it, bench:pod starts the sidecar with it, and the image's Node runs the bundled CLI with its flags, which
 * flush bytecode that idled over one full GC (V8's default waits for six). Needs the compiled emulator (npm run build).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IMAGE_ENTRYPOINT, imageCommand, imageNode } from '../bench/lib/image-node';
import { execOk } from './support/exec';

const REPO = resolve(__dirname, '..');

/** The exec-form ENTRYPOINT of emulator/Dockerfile. */
function dockerfileEntrypoint(): string[] {
  const line = /^ENTRYPOINT (.*)$/m.exec(readFileSync(join(REPO, 'emulator/Dockerfile'), 'utf8'))?.[1];
  if (!line) throw new Error('emulator/Dockerfile has no ENTRYPOINT line');
  return JSON.parse(line);
}

// Runs 300 functions once, then allocates until three major GCs have run; prints the bytecode size before the
// functions ran and at the end. From a file: under node -e, V8 flushed nothing even with the flag.
const PROBE = `
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;
const fns = require('./functions.js');
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

describe("the image's ENTRYPOINT (emulator/image/entrypoint.json)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'imds-entrypoint-'));
  const node = imageNode();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the Dockerfile ENTRYPOINT: Node with its flags, then the CLI script', () => {
    expect(dockerfileEntrypoint()).toEqual(IMAGE_ENTRYPOINT);
    expect(IMAGE_ENTRYPOINT[0]).toBe('/usr/local/bin/node');
    expect(IMAGE_ENTRYPOINT.at(-1)).toBe('/usr/local/lib/imds-emulator/bin/imds-emulator.js');
  });

  it("is bench:pod's command, with this machine's copy of the image's Node and the bench's bundle", () => {
    const command = imageCommand('/bench/node', '/bench/app/bin/imds-emulator.js');
    expect(command).toEqual([
      '/bench/node',
      ...dockerfileEntrypoint().slice(1, -1),
      '/bench/app/bin/imds-emulator.js',
    ]);
  });

  it("runs the bundled CLI on the image's Node (which accepts every flag)", async () => {
    execFileSync(process.execPath, [join(REPO, 'emulator/image/app-bundle.js'), join(dir, 'app')]);
    const [file, ...args] = imageCommand(node, join(dir, 'app/bin/imds-emulator.js'));
    expect(await execOk(file, [...args, '--help'])).toContain('Usage: imds-emulator');
  });

  it('flushes bytecode unused over a full GC, which V8 keeps by default', () => {
    const bodies = Array.from(
      { length: 300 },
      (_, i) =>
        `function f${i}(a) { let s = ${i}; for (let j = 0; j < a; j++) s += j * ${i} + (s % 7); return s; }`,
    );
    writeFileSync(join(dir, 'functions.js'), `module.exports = [${bodies.join(',\n')}];\n`);
    writeFileSync(join(dir, 'probe.js'), PROBE);
    const probe = (flags: string[]) =>
      JSON.parse(execFileSync(node, [...flags, join(dir, 'probe.js')], { encoding: 'utf8' })) as {
        before: number;
        after: number;
      };
    const entrypoint = probe(IMAGE_ENTRYPOINT.slice(1, -1));
    expect(entrypoint.after).toBeLessThan(entrypoint.before / 2);
    const plain = probe([]);
    expect(plain.after).toBeGreaterThan(plain.before / 2);
  });
});
