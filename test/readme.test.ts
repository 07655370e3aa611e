import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const cli = join(root, 'emulator', 'bin', 'imds-emulator.js');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The flags a command's --help lists (commander's own --help aside). */
function helpFlags(command: string): string[] {
  const help = execFileSync(process.execPath, [cli, command, '--help']).toString();
  const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]);
  return [...new Set(flags)].filter((flag) => flag !== '--help');
}

/** The README text from `### \`imds-emulator <command>\`` to the next heading of that level or above. */
function readmeSection(command: string): string {
  const start = readme.indexOf(`### \`imds-emulator ${command}\``);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = readme.slice(readme.indexOf('\n', start) + 1);
  const end = rest.search(/^#{2,3} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

describe('README', () => {
  it.each(['sidecar', 'webhook', 'init', 'check'])(
    'documents every flag of %s with its environment variable',
    (command) => {
      const section = readmeSection(command);
      const flags = helpFlags(command);
      expect(flags.length).toBeGreaterThan(2);
      for (const flag of flags) {
        expect(section).toContain(`\`${flag}\``);
        expect(section).toContain(`IMDS_EMULATOR_${flag.slice(2).replace(/-/g, '_').toUpperCase()}`);
      }
    },
  );

  it('gives exactly two set-up commands, the second being the one .ci/run runs', () => {
    const setup = readme.slice(readme.indexOf('## Set-up'));
    const block = /```sh\n([\s\S]*?)```/.exec(setup)?.[1] ?? '';
    const commands = block.split('\n').filter((line) => line.trim() !== '');
    expect(commands).toHaveLength(2);
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    expect(ci).toContain(commands[1].split('#')[0].trim());
  });
});
