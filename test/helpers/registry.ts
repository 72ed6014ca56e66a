/** Pushing a tiny image to a docker-registry and reading it back by digest, with the registry's HTTP API. */
import { createHash, randomBytes } from 'node:crypto';

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function pushBlob(registry: string, repository: string, blob: Uint8Array): Promise<string> {
  const digest = `sha256:${sha256(blob)}`;
  const start = await fetch(`${registry}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', registry);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body: blob,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

/** Pushes a one-layer image and returns its manifest's digest (hex) and size, what DCT signs for a tag. */
export async function pushImage(
  registry: string,
  repository: string,
  tag: string,
): Promise<{ sha256: string; size: number }> {
  const layer = new Uint8Array(randomBytes(512));
  const config = new TextEncoder().encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layer)}`] },
      config: {},
    }),
  );
  const configDigest = await pushBlob(registry, repository, config);
  const layerDigest = await pushBlob(registry, repository, layer);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest },
      ],
    }),
  );
  const put = await fetch(`${registry}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': MANIFEST_TYPE },
  });
  if (put.status !== 201) throw new Error(`manifest upload: HTTP ${put.status} ${await put.text()}`);
  if (put.headers.get('docker-content-digest') !== `sha256:${sha256(manifest)}`)
    throw new Error('the registry reports another manifest digest');
  return { sha256: sha256(manifest), size: manifest.length };
}

/** The manifest bytes the registry serves for a digest (what `docker pull` with DCT fetches after the lookup). */
export async function fetchManifest(registry: string, repository: string, hexDigest: string): Promise<Uint8Array> {
  const res = await fetch(`${registry}/v2/${repository}/manifests/sha256:${hexDigest}`, {
    headers: { accept: MANIFEST_TYPE },
  });
  if (res.status !== 200) throw new Error(`manifest fetch: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export { sha256 as sha256Hex };
