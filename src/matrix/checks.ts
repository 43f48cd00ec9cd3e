import type { Catalog } from '../catalog/catalog.js';
import { recipeProblem } from '../sizing/recipe-hook.js';
import { sharingProblem } from '../sizing/sharing-check.js';
import { didYouMean } from '../util/did-you-mean.js';
import { describeValue, formatPath, oneOf, type DocPath, type MatrixIssue } from './issues.js';
import type { MatrixInput } from './schema.js';
import type { ResolvedMatrix } from './types.js';
import { isScheduled } from '../load/scheduled.js';

type Body = Omit<ResolvedMatrix, 'hash' | 'source'>;

const issue = (path: DocPath, message: string): MatrixIssue => ({ path, message });

/** Names used twice in one list: the later ones are reported, pointing at the first. */
function uniqueNames(list: 'deployments' | 'autoscalers', names: readonly string[]): MatrixIssue[] {
  return names.flatMap((name, i) => {
    const first = names.indexOf(name);
    if (first === i) return [];
    return [issue([list, i, 'name'], `expected a unique name, got "${name}" again (${formatPath([list, first])} has it)`)];
  });
}

function replicaIssues(body: Body): MatrixIssue[] {
  const issues: MatrixIssue[] = [];
  const hpa = body.autoscalers.find((a) => a.kind === 'hpa-cpu' || a.kind === 'hpa-custom');
  body.deployments.forEach(({ replicas: r }, i) => {
    const at: DocPath = ['deployments', i, 'replicas'];
    if (r.min > r.max) {
      issues.push(issue([...at, 'min'], `expected min <= max, got min ${r.min} and max ${r.max}`));
    } else if (r.start < r.min || r.start > r.max) {
      issues.push(issue([...at, 'start'], `expected start from min to max (${r.min} to ${r.max}), got ${r.start}`));
    }
    if (hpa && r.min === 0) {
      // reference/autoscaling.md: minReplicas 0 needs the HPAScaleToZero gate and an Object/External metric.
      const on = hpa.kind === 'hpa-cpu' ? 'CPU' : 'a Pods metric';
      issues.push(issue([...at, 'min'], `expected at least 1 with autoscaler "${hpa.name}" (an HPA on ${on} cannot scale to zero; KEDA can), got 0`));
    }
  });
  return issues;
}

function kedaIssues(body: Body): MatrixIssue[] {
  const issues: MatrixIssue[] = [];
  const smallest = body.deployments.reduce((a, b) => (b.replicas.max < a.replicas.max ? b : a));
  body.autoscalers.forEach((a, i) => {
    if (a.kind !== 'keda') return;
    if (a.minReplicas > smallest.replicas.max) {
      const message = `expected at most the replicas.max of every deployment (${smallest.replicas.max} for "${smallest.name}"), got ${a.minReplicas}`;
      issues.push(issue(['autoscalers', i, 'min_replicas'], message));
    }
    // KEDA's admission webhook: idleReplicaCount must be lower than minReplicaCount.
    if (a.idleReplicas !== undefined && a.idleReplicas >= a.minReplicas) {
      const message = `expected less than min_replicas (${a.minReplicas}; KEDA requires idleReplicaCount < minReplicaCount), got ${a.idleReplicas}`;
      issues.push(issue(['autoscalers', i, 'idle_replicas'], message));
    }
  });
  return issues;
}

function loadIssues(input: MatrixInput, body: Body): MatrixIssue[] {
  const l = input.load;
  const issues: MatrixIssue[] = [];
  if (l.shape === 'arrival-rate') {
    if (l.users !== undefined) {
      issues.push(issue(['load', 'users'], `expected no users for shape "arrival-rate" (give rates, in requests/s), got ${describeValue(l.users)}`));
    }
  } else if (l.shape !== 'trace' && l.users === undefined) {
    issues.push(issue(['load', 'users'], `expected a list of user counts for shape "${l.shape}", got nothing`));
  }
  const field = l.shape === 'arrival-rate' ? 'rates' : l.shape === 'trace' ? 'levels' : 'users';
  body.load.levels.forEach((level, i) => {
    if (body.load.levels.indexOf(level) < i) issues.push(issue(['load', field, i], `expected each level once, got ${level} again`));
  });
  if (l.shape === 'spike' && body.load.shape === 'spike' && body.load.spikeMs >= body.load.durationMs) {
    issues.push(issue(['load', 'spike'], `expected a spike shorter than load.duration, got ${describeValue(l.spike)}`));
  }
  return issues;
}

function workloadIssues(input: MatrixInput, body: Body): MatrixIssue[] {
  const issues: MatrixIssue[] = [];
  const profile = body.workload.profile;
  for (const [field, resolved] of [
    ['prompt_tokens', body.workload.prompt],
    ['output_tokens', body.workload.output],
  ] as const) {
    const given = input.workload?.[field];
    const { min, mean, max } = resolved;
    if (!given || (min <= mean && mean <= max)) continue;
    const inherited = (['min', 'max'] as const).filter((k) => given[k] === undefined);
    const note = inherited.length ? ` (${inherited.join(' and ')} from profile "${profile}": give ${inherited.length > 1 ? 'them' : 'it'} too)` : '';
    issues.push(issue(['workload', field], `expected min <= mean <= max, got min ${min}, mean ${mean}, max ${max}${note}`));
  }
  return issues;
}

function catalogIssues(catalog: Catalog, input: MatrixInput, body: Body): MatrixIssue[] {
  const issues: MatrixIssue[] = [];
  const gpus = Object.keys(catalog.gpus);
  const models = Object.keys(catalog.models);
  body.deployments.forEach((d, i) => {
    // Recipe hook: a recipe that does not exist or does not match the deployment.
    const recipe = recipeProblem(catalog, input.deployments[i]!);
    if (recipe !== undefined) issues.push(issue(['deployments', i, 'recipe'], recipe));
    if (!gpus.includes(d.gpu.type)) {
      const message = `expected a GPU from data/gpus.json (${oneOf(gpus)}), got "${d.gpu.type}"${didYouMean(d.gpu.type, gpus)}`;
      issues.push(issue(['deployments', i, 'gpu', 'type'], message));
    }
    // gpu.sharing: a mode the GPU supports, one slice per replica where slices cannot be combined.
    const sharing = gpus.includes(d.gpu.type) ? sharingProblem(catalog, d) : undefined;
    if (sharing !== undefined) issues.push(issue(['deployments', i, 'gpu', input.deployments[i]!.gpu.sharing ? 'sharing' : 'type'], sharing));
    // The local simulator derives latencies from the model's architecture unless both are given.
    const simulated = d.simulator.command === undefined && (d.simulator.ttftMs === undefined || d.simulator.itlMs === undefined);
    if (body.target.kind === 'local' && simulated && !models.includes(d.model)) {
      const hint = didYouMean(d.model, models) || '; add it to data/models.json, or give simulator.ttft and simulator.itl';
      issues.push(issue(['deployments', i, 'model'], `expected a model from data/models.json, got "${d.model}"${hint}`));
    }
  });
  return issues;
}

/**
 * The checks a schema cannot make: they relate fields to each other, to
 * defaults or to the catalogs. Paths point into the input, so messages can
 * be positioned; a default-filled field points at its nearest written parent.
 */
export function checkMatrix(catalog: Catalog, input: MatrixInput, body: Body): MatrixIssue[] {
  return [
    ...uniqueNames(
      'deployments',
      body.deployments.map((d) => d.name),
    ),
    ...uniqueNames(
      'autoscalers',
      body.autoscalers.map((a) => a.name),
    ),
    ...replicaIssues(body),
    ...kedaIssues(body),
    ...loadIssues(input, body),
    ...workloadIssues(input, body),
    ...catalogIssues(catalog, input, body),
    ...runnerIssues(body),
  ];
}

/** target.load with runner: job needs an image, and a load that execution segments split (users, a uniform rate). */
function runnerIssues(body: Body): MatrixIssue[] {
  const t = body.target;
  if (t.kind !== 'kubernetes' || t.load?.runner !== 'job') return [];
  const issues: MatrixIssue[] = [];
  if (!t.load.image)
    issues.push(
      issue(
        ['target', 'load', 'image'],
        'expected the runner image with runner: job (build it with `scalebench image build`, push it, and name the pushed reference here)',
      ),
    );
  if (isScheduled(body.load)) {
    issues.push(
      issue(
        ['target', 'load', 'runner'],
        `expected local for a scheduled load (${body.load.shape}${body.load.shape === 'arrival-rate' ? ` with arrival.process ${body.load.arrival?.process}` : ''}): its schedule file is not split among runner pods yet`,
      ),
    );
  }
  return issues;
}
