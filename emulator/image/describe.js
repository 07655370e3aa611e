// Prints what build.sh produced: the image digest (manifest digest, what `podman images --digests` shows) and the
// sizes a registry would store (compressed layers) and a node would unpack. Usage: node describe.js <layout> <archive>
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const [layout, archive] = process.argv.slice(2);
const blob = (digest) => join(layout, 'blobs', ...digest.split(':'));
const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
const descriptor = index.manifests[0];
const manifest = JSON.parse(readFileSync(blob(descriptor.digest), 'utf8'));
const compressed = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
process.stdout.write(
  `${JSON.stringify({
    archive,
    tag: descriptor.annotations?.['org.opencontainers.image.ref.name'],
    digest: descriptor.digest,
    layers: manifest.layers.map((layer) => `${layer.digest} ${mb(layer.size)}`),
    compressedSize: mb(compressed),
    archiveSize: mb(statSync(archive).size),
  })}\n`,
);
