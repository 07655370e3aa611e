import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', 'node_modules', '.bin', 'imds-emulator');

describe('imds-emulator command line', () => {
  it('lists the sidecar, webhook and init commands in --help', () => {
    const help = execFileSync(bin, ['--help']).toString();
    expect(help).toMatch(/^\s+sidecar\b/m);
    expect(help).toMatch(/^\s+webhook\b/m);
    expect(help).toMatch(/^\s+init\b/m);
  });

  it('prints the package version', () => {
    const { version } = require('../emulator/package.json') as { version: string };
    expect(execFileSync(bin, ['--version']).toString().trim()).toBe(version);
  });
});
