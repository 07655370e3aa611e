// Prints what build.sh produced: the digest of the image index and, per architecture, the image digest (manifest
// digest, what `podman images --digests` shows) and the sizes a registry would store (compressed layers).
//   node describe.js <layout> <version> <archive>
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const [layout, version, archive] = process.argv.slice(2);
const blob = (digest) => JSON.parse(readFileSync(join(layout, 'blobs', ...digest.split(':')), 'utf8'));
const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
const indexDescriptor = top.manifests.find(
  (m) => m.annotations?.['org.opencontainers.image.ref.name'] === version,
);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const images = {};
for (const descriptor of blob(indexDescriptor.digest).manifests) {
  const manifest = blob(descriptor.digest);
  images[descriptor.platform.architecture] = {
    digest: descriptor.digest,
    layers: manifest.layers.map((layer) => `${layer.digest} ${mb(layer.size)}`),
    compressedSize: mb(manifest.layers.reduce((sum, layer) => sum + layer.size, 0)),
  };
}
process.stdout.write(
  `${JSON.stringify({ archive, tag: version, index: indexDescriptor.digest, images, archiveSize: mb(statSync(archive).size) })}\n`,
);
