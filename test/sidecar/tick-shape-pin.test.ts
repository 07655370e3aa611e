/** The tick object pin: that it holds a real tick object, and that V8 still uses its map after full GCs. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pinTickObjectShape } from '../../emulator/src/sidecar/tick-shape-pin';

const COMPILED = resolve(__dirname, '../../emulator/lib/sidecar/tick-shape-pin.js');

describe('pinTickObjectShape', () => {
  it('holds a tick object (callback plus the two async-id symbols) and returns the same one on later calls', () => {
    const pinned = pinTickObjectShape() as { callback?: unknown } | undefined;
    expect(pinned).toBeDefined();
    expect(typeof pinned?.callback).toBe('function');
    // Under jest an AsyncLocalStorage also adds its store symbol.
    expect(Object.getOwnPropertySymbols(pinned).map(String)).toEqual(
      expect.arrayContaining(['Symbol(async_id_symbol)', 'Symbol(trigger_async_id_symbol)']),
    );
    expect(pinTickObjectShape()).toBe(pinned);
  });

  it('keeps the map that tick objects made after two full GCs still use', () => {
    // A fresh process, so that no other tick object is alive; %HaveSameMap compares V8 hidden classes.
    const script = `
      const { createHook } = require('node:async_hooks');
      const pinned = require(${JSON.stringify(COMPILED)}).pinTickObjectShape();
      gc(); gc();
      let fresh;
      const hook = createHook({ init(_i, type, _t, r) { if (type === 'TickObject' && !fresh) fresh = r; } });
      hook.enable(); process.nextTick(() => {}); hook.disable();
      process.stdout.write(JSON.stringify({ sameMap: %HaveSameMap(pinned, fresh), pinnedIsNotFresh: pinned !== fresh }));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ sameMap: true, pinnedIsNotFresh: true });
  });
});
