// Rewrites the index.json of the OCI layout that build.sh fills with one image per architecture, tagged
// <version>-<arch>:
//   node oci-index.js index  <layout> <version> <arch>...  adds an image index blob of those images (each with its
//                                                          platform), tagged <version>: what `skopeo copy --all` pushes
//   node oci-index.js single <layout> <version> <arch>     keeps only <version>-<arch>, retagged <version>: an archive
//                                                          `podman load` takes (umoci gc then drops the other blobs)
// Plain JSON with a fixed key order, so the same images give the same index digest.
const { createHash } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const REF = 'org.opencontainers.image.ref.name';
const [mode, layout, version, ...arches] = process.argv.slice(2);
if (!['index', 'single'].includes(mode) || !version || arches.length === 0) {
  throw new Error('usage: oci-index.js index|single <layout> <version> <arch>...');
}
const indexFile = join(layout, 'index.json');
const index = JSON.parse(readFileSync(indexFile, 'utf8'));
const tagged = (arch) => {
  const found = index.manifests.find((m) => m.annotations?.[REF] === `${version}-${arch}`);
  if (!found) throw new Error(`oci-index: ${layout} has no image tagged ${version}-${arch}`);
  return found;
};

if (mode === 'single') {
  const { annotations, ...descriptor } = tagged(arches[0]);
  index.manifests = [{ ...descriptor, annotations: { ...annotations, [REF]: version } }];
} else {
  const images = arches.map((arch) => {
    const { annotations: _tag, ...descriptor } = tagged(arch);
    return { ...descriptor, platform: { architecture: arch, os: 'linux' } };
  });
  const blob = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: images,
    }),
  );
  const hex = createHash('sha256').update(blob).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), blob);
  index.manifests = [
    {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: `sha256:${hex}`,
      size: blob.length,
      annotations: { [REF]: version },
    },
    ...arches.map(tagged),
  ];
}
writeFileSync(indexFile, JSON.stringify(index));
