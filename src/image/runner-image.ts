import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { runnerImage } from '../load/runner-image.js';
import { tar } from './tar.js';

/**
 * The runner image (target.load.image) as an OCI image layout in one tar
 * archive (OCI Image Layout Specification v1.0: oci-layout, index.json,
 * blobs/sha256/…), which is also a docker-archive (its manifest.json), so
 * `skopeo copy oci-archive:…`, `crane push` and `docker load` all take it.
 * One layer: k6 with scalebench's extension and the scenario; no shell, no
 * libraries (k6 is built with CGO_ENABLED=0), no certificates; it runs as
 * uid 65532. Written here rather than with a container engine or
 * go-containerregistry: the format is three JSON documents and two tar
 * archives, and this way the image's bytes follow from its inputs alone (no
 * timestamps), so its digest names what it holds.
 */
export interface RunnerImageInput {
  /** The k6 binary (linux, static). */
  k6: Buffer;
  /** scenarios/openai-chat.js. */
  scenario: Buffer;
  /** GOARCH of the binary. */
  architecture: string;
  /** The tag docker-archive readers give it, e.g. scalebench-k6:0.1.0. */
  tag: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface RunnerImage {
  /** The archive's bytes. */
  archive: Buffer;
  /** The manifest's digest: what `image@sha256:…` names once pushed. */
  digest: string;
  manifest: { schemaVersion: 2; mediaType: string; config: Descriptor; layers: Descriptor[] };
  config: Record<string, unknown>;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const strip = (p: string): string => p.replace(/^\//, '');

/** Directory entries for every parent of these paths, parents first. */
function parents(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = strip(p).split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  return [...dirs].sort();
}

export function buildRunnerImage(i: RunnerImageInput): RunnerImage {
  const files = [
    { name: strip(runnerImage.k6), data: i.k6, mode: 0o755 },
    { name: strip(runnerImage.scenario), data: i.scenario, mode: 0o644 },
  ];
  const layerTar = tar([...parents(files.map((f) => f.name)).map((name) => ({ name })), ...files]);
  // gzip's header carries no time from Node (MTIME 0), so the layer's bytes are deterministic too.
  const layer = gzipSync(layerTar, { level: 6 });
  const user = `${runnerImage.uid}:${runnerImage.uid}`;
  const config = {
    architecture: i.architecture,
    os: 'linux',
    config: {
      User: user,
      Entrypoint: [runnerImage.k6],
      Cmd: ['version'],
      // PATH: k6-operator's runners run `k6` by name.
      Env: ['PATH=/usr/bin', 'K6_NO_USAGE_REPORT=true', 'K6_AUTO_EXTENSION_RESOLUTION=false'],
      WorkingDir: '/',
      Labels: {
        'org.opencontainers.image.title': 'scalebench k6 runner',
        'org.opencontainers.image.description': "k6 with scalebench's k6/x/llmstream extension and scenarios/openai-chat.js",
      },
    },
    rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
    history: [{ created_by: 'scalebench image build' }],
  };
  const configBytes = json(config);
  const configDesc: Descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length };
  const layerDesc: Descriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length };
  const manifest = { schemaVersion: 2 as const, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: [layerDesc] };
  const manifestBytes = json(manifest);
  const digest = sha256(manifestBytes);
  const blob = (d: string): string => `blobs/sha256/${d.slice('sha256:'.length)}`;
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest,
        size: manifestBytes.length,
        annotations: { 'org.opencontainers.image.ref.name': i.tag.split(':').pop() ?? 'latest', 'io.containerd.image.name': i.tag },
      },
    ],
  };
  const dockerManifest = [{ Config: blob(configDesc.digest), RepoTags: [i.tag], Layers: [blob(layerDesc.digest)] }];
  const archive = tar([
    { name: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', data: json(index) },
    { name: 'manifest.json', data: json(dockerManifest) },
    { name: 'blobs/' },
    { name: 'blobs/sha256/' },
    { name: blob(digest), data: manifestBytes },
    { name: blob(configDesc.digest), data: configBytes },
    { name: blob(layerDesc.digest), data: layer },
  ]);
  return { archive, digest, manifest, config };
}

/** Go's name for a Node architecture (the image config's `architecture`). */
export function goArch(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}
