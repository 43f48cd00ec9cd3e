import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ResolvedMatrix } from '../matrix/types.js';
import type { Profile } from '../recommend/profiles.js';
import { defaultGrid, matrixWith, searchAutoscalers, type SearchResult } from '../simulate/search.js';
import { UserError } from '../util/errors.js';
import type { Catalog } from '../catalog/catalog.js';

/**
 * `tune --simulate`: after the measured profiles are written, hundreds of
 * autoscaler configurations are tried on the run's own loads by simulation
 * (src/simulate/search.ts, service times from those profiles); the best few
 * meeting the SLO go into the next matrix, whose real run confirms them.
 */
export interface TuneSimulation {
  tried: number;
  meeting: number;
  best: SearchResult[];
  nextMatrix?: { path: string; autoscalers: string[] };
  wallMs: number;
}

export function tuneBySimulation(o: {
  catalog: Catalog;
  matrix: ResolvedMatrix;
  deployment: string;
  profiles: readonly Profile[];
  top: number;
  nextMatrix?: string;
  attainment?: number;
  progress?: (done: number, total: number) => void;
}): TuneSimulation {
  const m = o.matrix;
  if (!existsSync(m.source)) throw new UserError(`tune --simulate: the run's matrix ${m.source} is gone: the candidates are written into it`);
  const d = m.deployments.find((x) => x.name === o.deployment);
  if (!d) throw new UserError(`tune --simulate: no deployment "${o.deployment}" in the run (${m.deployments.map((x) => x.name).join(', ')})`);
  const text = readFileSync(m.source, 'utf8');
  const t0 = performance.now();
  const results = searchAutoscalers({
    catalog: o.catalog,
    text,
    source: m.source,
    matrix: m,
    deployment: d.name,
    profiles: o.profiles,
    grid: defaultGrid(d.vllm.maxNumSeqs, d.replicas.max),
    ...(o.attainment !== undefined ? { attainment: o.attainment } : {}),
    ...(o.progress ? { onProgress: o.progress } : {}),
  });
  const meeting = results.filter((r) => r.meetsSlo);
  // The next matrix holds one min replicas (it is the deployment's): the best's, and the best others sharing it.
  const first = meeting[0];
  const best = first ? meeting.filter((r) => r.candidate.minReplicas === first.candidate.minReplicas).slice(0, o.top) : [];
  const out: TuneSimulation = { tried: results.length, meeting: meeting.length, best, wallMs: performance.now() - t0 };
  if (o.nextMatrix) {
    if (best.length === 0)
      throw new UserError(
        `tune --simulate: no configuration met the SLO on every load level (best attainment ${results[0]?.attainment}); widen replicas.max or relax the SLO`,
      );
    const name = `${m.name.replace(/-(tuned|sim)$/, '')}-sim`.slice(0, 63);
    writeFileSync(
      o.nextMatrix,
      matrixWith(
        text,
        m.source,
        d.name,
        best.map((r) => r.candidate),
        name,
      ),
    );
    out.nextMatrix = { path: o.nextMatrix, autoscalers: best.map((r) => r.candidate.name) };
  }
  return out;
}

export function tuneSimulationText(s: TuneSimulation): string {
  const lines = [`simulated ${s.tried} autoscaler configurations in ${(s.wallMs / 1000).toFixed(1)} s: ${s.meeting} meet the SLO on every load level`];
  for (const r of s.best) {
    lines.push(
      `  ${r.candidate.name}: attainment ${(r.attainment * 100).toFixed(2)} %, ${r.replicaSeconds} replica-seconds` +
        (r.oracle !== undefined ? ` (oracle ${r.oracle}, ×${r.overOracle})` : ''),
    );
  }
  if (s.nextMatrix)
    lines.push(`next matrix (confirm with \`scalebench run ${s.nextMatrix.path}\`): ${s.nextMatrix.path}: ${s.nextMatrix.autoscalers.join(', ')}`);
  return lines.join('\n');
}
