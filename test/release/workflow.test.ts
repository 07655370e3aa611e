/**
 * The release workflow cannot run here (no GitHub runner); this lints it: valid YAML of the expected shape, and
 * every script, npm script and path its steps name exists in the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'yaml';
import { ROOT } from '../../scripts/release/version';

interface Step {
  uses?: string;
  run?: string;
}
interface Workflow {
  on: { push: { tags: string[] } };
  jobs: Record<string, { 'runs-on': string; needs?: string; steps: Step[] }>;
}

const text = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
const scripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);

/** What a run step refers to: `npm run <script>` names, and repository files run with bash/node/tsx or executed. */
function references(run: string): { npmScripts: string[]; files: string[] } {
  const npmScripts = [...run.matchAll(/\bnpm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]);
  const files = [
    ...run.matchAll(/(?:\bbash |\bnode |\btsx |(?:^|\s))((?:\.ci|scripts|emulator|\.tools)\/[\w./-]+)/gm),
  ].map((m) => m[1]);
  return { npmScripts, files };
}

describe('.github/workflows/release.yml', () => {
  const workflow = yaml.parse(text, { prettyErrors: true, strict: true, uniqueKeys: true }) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

  it('is a tag-triggered workflow whose release job waits for the tests', () => {
    expect(workflow.on.push.tags).toEqual(['v*']);
    expect(workflow.jobs.release.needs).toBe('test');
    for (const job of Object.values(workflow.jobs)) expect(job['runs-on']).toMatch(/^ubuntu-/);
  });

  it('runs only npm scripts that package.json defines', () => {
    const used = steps.flatMap((step) => references(step.run ?? '').npmScripts);
    expect(used).toEqual(expect.arrayContaining(['image', 'tools', 'chart:package']));
    for (const name of used)
      expect({ name, defined: scripts.includes(name) }).toEqual({ name, defined: true });
  });

  it('runs only repository scripts that exist (helm from npm run tools)', () => {
    const files = steps.flatMap((step) => references(step.run ?? '').files);
    expect(files).toEqual(expect.arrayContaining(['.ci/run', 'scripts/install-test-deps.sh']));
    for (const file of files.filter((f) => !f.startsWith('.tools/'))) {
      expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
    }
  });

  it('finds references in a run step, so a misspelt one would be caught', () => {
    expect(references('sudo bash scripts/nope.sh && npm run --silent chart:nope -- x')).toEqual({
      npmScripts: ['chart:nope'],
      files: ['scripts/nope.sh'],
    });
  });
});
