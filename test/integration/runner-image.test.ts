import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTool, projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, runCli, scratch } from './helpers.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('scalebench image build: the runner image as an OCI archive, read back with tar(1)', () => {
  const dir = scratch();
  const root = join(dir, 'x');
  let stdout = '';
  let again = '';
  const file = (p: string): Buffer => readFileSync(join(root, p));
  const blob = (digest: string): Buffer => file(`blobs/sha256/${digest.slice(7)}`);

  beforeAll(async () => {
    ensureBuilt();
    const r = await runCli(['image', 'build', '--out', 'img.tar', '--tag', 'scalebench-k6:test'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    stdout = r.stdout;
    expect(r.stderr).toMatch(/skopeo copy oci-archive:img\.tar docker:\/\/REGISTRY\/scalebench-k6:test/);
    mkdirSync(root);
    execFileSync('tar', ['-xf', join(dir, 'img.tar'), '-C', root]);
    const r2 = await runCli(['image', 'build', '--out', 'img2.tar', '--tag', 'scalebench-k6:test'], { cwd: dir });
    again = r2.stdout;
  }, 120_000);

  it('is an OCI image layout whose index names the manifest by its digest, which stdout prints', () => {
    expect(JSON.parse(file('oci-layout').toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(file('index.json').toString()) as { manifests: Array<{ digest: string; size: number; mediaType: string }> };
    expect(index.manifests).toHaveLength(1);
    const m = index.manifests[0]!;
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(sha(blob(m.digest))).toBe(m.digest);
    expect(blob(m.digest).length).toBe(m.size);
    expect(stdout).toBe(`img.tar\n${m.digest}\n`);
    // The same inputs give the same bytes: the digest names the contents.
    expect(again).toBe(`img2.tar\n${m.digest}\n`);
  });

  it('config: the entrypoint is k6, the user is not root, one layer whose diff id is its uncompressed digest', () => {
    const index = JSON.parse(file('index.json').toString()) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as {
      config: { digest: string; size: number };
      layers: Array<{ digest: string; size: number; mediaType: string }>;
    };
    const configBytes = blob(manifest.config.digest);
    expect(sha(configBytes)).toBe(manifest.config.digest);
    const config = JSON.parse(configBytes.toString()) as {
      os: string;
      architecture: string;
      config: { User: string; Entrypoint: string[] };
      rootfs: { diff_ids: string[] };
    };
    expect(config.os).toBe('linux');
    expect(config.architecture).toBe(process.arch === 'x64' ? 'amd64' : process.arch);
    expect(config.config.Entrypoint).toEqual(['/usr/bin/k6']);
    expect(config.config.User).toBe('65532:65532');
    expect(manifest.layers).toHaveLength(1);
    const layer = blob(manifest.layers[0]!.digest);
    expect(manifest.layers[0]!.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
    expect(sha(layer)).toBe(manifest.layers[0]!.digest);
    expect(config.rootfs.diff_ids).toEqual([sha(gunzipSync(layer))]);
    // docker load's view of the same archive.
    expect(JSON.parse(file('manifest.json').toString())).toEqual([
      {
        Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
        RepoTags: ['scalebench-k6:test'],
        Layers: [`blobs/sha256/${manifest.layers[0]!.digest.slice(7)}`],
      },
    ]);
  });

  it('the layer holds k6 with the extension and the scenario, nothing else', () => {
    const index = JSON.parse(file('index.json').toString()) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as { layers: Array<{ digest: string }> };
    const layerFile = join(root, 'blobs/sha256', manifest.layers[0]!.digest.slice(7));
    const listing = execFileSync('tar', ['-tzvf', layerFile, '--numeric-owner'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => {
        const f = l.split(/\s+/);
        return `${f[0]} ${f[1]} ${f[f.length - 1]}`;
      });
    expect(listing).toEqual([
      'drwxr-xr-x 0/0 scalebench/',
      'drwxr-xr-x 0/0 usr/',
      'drwxr-xr-x 0/0 usr/bin/',
      '-rwxr-xr-x 0/0 usr/bin/k6',
      '-rw-r--r-- 0/0 scalebench/openai-chat.js',
    ]);
    const out = join(dir, 'layer');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', layerFile, '-C', out]);
    expect(sha(readFileSync(join(out, 'usr/bin/k6')))).toBe(sha(readFileSync(findTool('k6'))));
    expect(readFileSync(join(out, 'scalebench/openai-chat.js'), 'utf8')).toBe(readFileSync(join(projectRoot, 'scenarios/openai-chat.js'), 'utf8'));
    expect(readdirSync(out).sort()).toEqual(['scalebench', 'usr']);
  });
});
