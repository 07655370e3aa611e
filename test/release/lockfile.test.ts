import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Lockfile, missingOptionalPackages, resolutionPaths } from '../../scripts/release/lockfile';

const committed = (): { lockfileVersion: number; packages: Record<string, object> } =>
  JSON.parse(readFileSync(join(__dirname, '../../package-lock.json'), 'utf8'));

describe('package-lock.json completeness (check:lockfile)', () => {
  it('finds every optional platform package of the committed lockfile', () => {
    expect(missingOptionalPackages(committed())).toEqual([]);
  });

  it("reports another platform's optional package that the lockfile lacks, as the lockfile before fc22167 did", () => {
    const lock = committed();
    delete lock.packages['node_modules/@biomejs/cli-darwin-arm64'];
    expect(missingOptionalPackages(lock)).toEqual([
      'node_modules/@biomejs/biome -> @biomejs/cli-darwin-arm64',
    ]);
  });

  it('accepts an optional package hoisted to an enclosing node_modules, and a workspace-local one', () => {
    const lock: Lockfile = {
      lockfileVersion: 3,
      packages: {
        '': {},
        emulator: { optionalDependencies: { a: '1.0.0' } },
        'emulator/node_modules/a': {},
        'node_modules/x/node_modules/y': { optionalDependencies: { b: '1.0.0', c: '1.0.0' } },
        'node_modules/b': {},
      },
    };
    expect(missingOptionalPackages(lock)).toEqual(['node_modules/x/node_modules/y -> c']);
  });

  it('searches the nearest node_modules first, up to the root', () => {
    expect(resolutionPaths('node_modules/x/node_modules/y', '@s/p')).toEqual([
      'node_modules/x/node_modules/y/node_modules/@s/p',
      'node_modules/x/node_modules/@s/p',
      'node_modules/@s/p',
    ]);
    expect(resolutionPaths('', 'p')).toEqual(['node_modules/p']);
  });

  it('rejects a lockfile without a packages map (lockfileVersion 1)', () => {
    expect(() => missingOptionalPackages({ lockfileVersion: 1 })).toThrow(/lockfileVersion 1/);
  });
});
