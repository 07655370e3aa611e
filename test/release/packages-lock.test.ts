import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exec } from '../support/exec';

const SCRIPT = resolve(__dirname, '../../emulator/image/packages-lock.sh');
const dir = mkdtempSync(join(tmpdir(), 'imds-packages-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const installed = join(dir, 'installed');
const lock = join(dir, 'packages.amd64.lock');
const check = (env: NodeJS.ProcessEnv = {}) =>
  exec('bash', [SCRIPT, installed, lock], { env: { ...process.env, IMAGE_UPDATE_PACKAGES: '', ...env } });

describe('emulator/image/packages-lock.sh (the pinned Debian package set)', () => {
  it('writes the lock in update mode, then accepts the same packages', async () => {
    writeFileSync(installed, 'base-files 12.4+deb12u15\nlibc6 2.36-9+deb12u14\n');
    expect((await check({ IMAGE_UPDATE_PACKAGES: '1' })).code).toBe(0);
    expect(readFileSync(lock, 'utf8')).toMatch(
      /^# .*\n# .*\nbase-files 12\.4\+deb12u15\nlibc6 2\.36-9\+deb12u14\n$/,
    );
    expect((await check()).code).toBe(0);
  });

  it('fails and names the package that moved, added or went away', async () => {
    writeFileSync(installed, 'libc6 2.36-9+deb12u15\nlibnew1 1.0-1\n');
    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('< base-files 12.4+deb12u15');
    expect(result.stderr).toContain('< libc6 2.36-9+deb12u14');
    expect(result.stderr).toContain('> libc6 2.36-9+deb12u15');
    expect(result.stderr).toContain('> libnew1 1.0-1');
    expect(result.stderr).toContain('npm run image:update-packages');
  });

  it('fails when there is no lock for the architecture', async () => {
    rmSync(lock);
    const result = await check();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/packages\.amd64\.lock is missing/);
  });

  it('has a committed lock for each architecture npm run image builds', () => {
    for (const arch of ['amd64', 'arm64']) {
      const text = readFileSync(resolve(__dirname, `../../emulator/image/packages.${arch}.lock`), 'utf8');
      expect(text).toMatch(/^libc6 \S+$/m);
    }
  });
});
