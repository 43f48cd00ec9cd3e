import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { buildRunnerImage, goArch } from '../image/runner-image.js';
import { UserError } from '../util/errors.js';
import { ownPackage } from '../util/package-json.js';
import { findTool, projectRoot } from '../util/tools.js';

/** Whether a file starts with the ELF magic (a Linux binary). */
function isElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

/**
 * `scalebench image build [--out k6-llmstream.tar]`: the runner image
 * (src/image/runner-image.ts) from the k6 scripts/setup built, without a
 * container engine; prints the file, the manifest digest and how to push it.
 */
export function registerImage(program: Command): void {
  const image = program.command('image').description('the runner image of target.load.runner: job');
  image
    .command('build')
    .description('write the runner image (k6 with the extension and the scenario, non-root) as an OCI archive, without a container engine')
    .option('--out <file>', 'the archive to write', 'k6-llmstream.tar')
    .option('--tag <name:tag>', 'the name docker load gives it', `scalebench-k6:${ownPackage().version}`)
    .action((flags: { out: string; tag: string }) => {
      const k6 = findTool('k6');
      if (!isElf(k6))
        throw new UserError(
          `image build: ${k6} is not a Linux binary; build k6 for Linux (GOOS=linux bash scripts/setup on this machine's architecture) and set SCALEBENCH_K6 to it`,
        );
      const img = buildRunnerImage({
        k6: readFileSync(k6),
        scenario: readFileSync(join(projectRoot, 'scenarios', 'openai-chat.js')),
        architecture: goArch(),
        tag: flags.tag,
      });
      writeFileSync(flags.out, img.archive);
      const out = relative(process.cwd(), flags.out) || flags.out;
      process.stdout.write(`${out}\n${img.digest}\n`);
      process.stderr.write(
        [
          `scalebench: wrote ${out} (${(img.archive.length / 1e6).toFixed(1)} MB, linux/${goArch()}, user ${String((img.config.config as { User: string }).User)}), manifest ${img.digest}`,
          'push it with one of:',
          `  skopeo copy oci-archive:${out} docker://REGISTRY/scalebench-k6:${flags.tag.split(':').pop()}`,
          `  crane push ${out} REGISTRY/scalebench-k6:${flags.tag.split(':').pop()}`,
          `  docker load -i ${out} && docker tag ${flags.tag} REGISTRY/scalebench-k6:${flags.tag.split(':').pop()} && docker push REGISTRY/scalebench-k6:${flags.tag.split(':').pop()}`,
          '(skopeo and crane push the manifest as it is, so its digest stays; docker load may compress the layer again and change it)',
          `then name it in the matrix: target.load.image: REGISTRY/scalebench-k6@${img.digest}`,
          '',
        ].join('\n'),
      );
    });
}
