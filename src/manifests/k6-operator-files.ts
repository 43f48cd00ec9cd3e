import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { k8sName, MANAGED_BY } from './names.js';
import type { ManifestFile } from './types.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { projectRoot } from '../util/tools.js';
import { k6Options, scenarioWorkload } from '../load/k6-options.js';
import { k6OperatorTestRun } from './k6-operator.js';

/**
 * `generate --k6-operator`: one TestRun and its ConfigMap per load level of
 * the matrix, in `k6-operator/`, for the kubernetes target's load settings
 * (target.load: parallelism, image, resources, node_selector) and url.
 */
export function testRunFiles(m: ResolvedMatrix, namespace: string): ManifestFile[] {
  const t = m.target;
  if (t.kind !== 'kubernetes') throw new UserError(`${m.source}: target: --k6-operator needs the kubernetes target (its url and load settings)`);
  if (!t.url) throw new UserError(`${m.source}: target.url: --k6-operator sends the load there: give a URL the runner pods reach`);
  if (!t.load?.image) throw new UserError(`${m.source}: target.load.image: --k6-operator needs the runner image (\`scalebench image build\`, pushed)`);
  const load = { ...t.load, image: t.load.image };
  const scenario = readFileSync(join(projectRoot, 'scenarios', 'openai-chat.js'), 'utf8');
  const model = m.deployments[0]?.model ?? '';
  return m.load.levels.map((level) => {
    const name = k8sName(m.name, 'load', String(level).replace('.', '-'));
    const workload = scenarioWorkload({ load: m.load, repeat: 1, level }, m.workload, t.url!.replace(/\/+$/, ''), model, {
      points: '-',
      meta: '-',
      summary: '',
    });
    const { configMap, testRun } = k6OperatorTestRun({
      name,
      namespace,
      labels: { ...MANAGED_BY, 'scalebench.dev/role': 'load' },
      load,
      k6Options: k6Options({ load: m.load, level }),
      workload,
      scenario,
    });
    return { path: `k6-operator/${name}.yaml`, objects: [configMap, testRun] };
  });
}
