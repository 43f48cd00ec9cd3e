import { z } from 'zod';
import { formatPath, fromZodIssues, type DocPath, type MatrixIssue } from '../matrix/issues.js';
import { resolveMatrix } from '../matrix/resolve.js';
import { matrixSchema } from '../matrix/schema.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { docPath, parseInput, positionedLines, type InputDoc } from '../util/input-file.js';
import type { Catalog } from '../catalog/catalog.js';

/**
 * A recommendation file: what `recommend` proposes, in a form `generate`
 * (and a matrix) can use. The deployment and autoscalers are written as in a
 * matrix; anything else the recommender adds (cost, runner-ups, its
 * reasoning) is carried but not read here.
 *
 *   recommendation:
 *     name: chat-llama8b
 *     namespace: bench            # optional; the manifests' namespace
 *     slo: { ttft_ms_p95: 500ms }    # optional; for the alerts
 *     deployment: { name: …, model: …, gpu: { type: H100, count: 1 }, vllm: { … }, replicas: { … } }
 *     autoscalers: [ { name: keda, kind: keda, query: …, threshold: 20 } ]   # optional; default fixed
 */

const fileSchema = z.strictObject({
  recommendation: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    slo: z.unknown().optional(),
    deployment: z.unknown(),
    autoscalers: z.array(z.unknown()).optional(),
  }),
});

/** Whether parsed YAML is a recommendation file rather than a matrix. */
export function isRecommendation(data: unknown): boolean {
  return data !== null && typeof data === 'object' && 'recommendation' in data;
}

/** A matrix path as the recommendation file spells it. */
function recommendationPath(path: DocPath): DocPath {
  const [head, ...rest] = path;
  if (head === 'deployments') return ['recommendation', 'deployment', ...rest.slice(1)];
  if (head === 'name' || head === 'slo' || head === 'autoscalers') return ['recommendation', head, ...rest];
  if (head === 'target') return ['recommendation', 'namespace'];
  return ['recommendation', ...path];
}

function fail(input: InputDoc, issues: readonly MatrixIssue[]): never {
  const lines = issues.map((i) => {
    const path = recommendationPath(i.path);
    return { pos: input.offsetOf(path), text: `${formatPath(path)}: ${i.message}` };
  });
  throw new UserError(positionedLines(lines, input.at));
}

/**
 * Reads a recommendation as a one-deployment matrix for a kubernetes target,
 * so it is checked and resolved exactly as a matrix deployment is (recipes
 * and defaults included). Errors name the recommendation's own fields.
 */
export function parseRecommendation(text: string, source: string, catalog: Catalog): ResolvedMatrix {
  const input = parseInput(text, source);
  const file = fileSchema.safeParse(input.data);
  if (!file.success) {
    throw new UserError(
      positionedLines(
        file.error.issues.map((i) => ({ pos: input.offsetOf(docPath(i.path)), text: `${formatPath(docPath(i.path)) || '(top)'}: ${i.message}` })),
        input.at,
      ),
    );
  }
  const r = file.data.recommendation;
  const synthetic: Record<string, unknown> = {
    name: r.name,
    target: { kind: 'kubernetes', namespace: r.namespace ?? 'scalebench' },
    deployments: [r.deployment],
    load: { shape: 'constant', users: [1], duration: '1m' },
  };
  if (r.slo !== undefined) synthetic.slo = r.slo;
  if (r.autoscalers !== undefined) synthetic.autoscalers = r.autoscalers;
  const parsed = matrixSchema.safeParse(synthetic);
  if (!parsed.success) fail(input, fromZodIssues(matrixSchema, synthetic, parsed.error.issues));
  const resolved = resolveMatrix(parsed.data, source, catalog);
  if (!resolved.ok) fail(input, resolved.issues);
  return resolved.matrix;
}
