/**
 * Completeness of an npm v3 lockfile across platforms. `npm install` run where node_modules already exists records
 * only the optional packages of the current platform (e.g. @biomejs/cli-linux-x64, not cli-darwin-arm64), and
 * `npm ci` then fails on every other platform with "Missing: … from lock file".
 */

interface LockedPackage {
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

export interface Lockfile {
  readonly lockfileVersion?: number;
  readonly packages?: Readonly<Record<string, LockedPackage>>;
}

/**
 * The directories npm searches, nearest first, for a dependency of the package installed at `location`
 * ("" is the root, "emulator" a workspace, "node_modules/a/node_modules/b" a nested package): its own
 * node_modules, then every enclosing node_modules up to the root's.
 */
export function resolutionPaths(location: string, name: string): string[] {
  const paths: string[] = [];
  let dir = location;
  for (;;) {
    paths.push(dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`);
    if (dir === '') return paths;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut >= 0 ? dir.slice(0, cut) : '';
  }
}

/** "<package location> -> <optional dependency>" for each optional dependency with no locked entry it resolves to. */
export function missingOptionalPackages(lock: Lockfile): string[] {
  if (lock.lockfileVersion === undefined || lock.lockfileVersion < 2 || !lock.packages) {
    throw new Error(
      `lockfileVersion ${lock.lockfileVersion} has no "packages" map: regenerate with npm >= 7`,
    );
  }
  const packages = lock.packages;
  const missing: string[] = [];
  for (const [location, pkg] of Object.entries(packages)) {
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
      if (!resolutionPaths(location, name).some((path) => path in packages)) {
        missing.push(`${location || '(root)'} -> ${name}`);
      }
    }
  }
  return missing;
}
