import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Cell, ResolvedMatrix } from '../matrix/types.js';
import { readJson } from '../results/files.js';
import { cellEntries, isFinished, type RunDir, type RunRecord, RECORD_FORMAT } from '../results/run-dir.js';
import { ClusterClient } from '../targets/kubernetes/cluster-client.js';
import { KubernetesTarget } from '../targets/kubernetes/kubernetes-target.js';
import { LocalTarget } from '../targets/local/local-target.js';
import type { Target } from '../targets/target.js';
import { formatDuration } from '../util/duration.js';
import { UserError } from '../util/errors.js';
import { setProcessJournal } from '../util/proc.js';
import { findTool, projectRoot, toolVersion } from '../util/tools.js';
import { CellInterrupted, runCell } from './cell.js';
import type { Progress } from './progress.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CellResult } from '../results/cell-result.js';
import { cellResultSchema } from '../results/cell-result.js';

export interface RunOutcome {
  dir: RunDir;
  interrupted: boolean;
  failed: number;
  done: number;
}

/** The binaries a local run needs, found up front so a missing one stops the run before anything starts. */
export function localTools(): { k6: string; sim: string; prometheus: string; router: string } {
  return { k6: findTool('k6'), sim: findTool('sim'), prometheus: findTool('prometheus'), router: findTool('router') };
}

function gitRevision(): string | undefined {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: projectRoot, encoding: 'utf8' }).trim();
    return dirty ? `${rev}-dirty` : rev;
  } catch {
    return undefined;
  }
}

/** A run id: the matrix name and the start time, e.g. smoke-20261123-071500. */
export function newRunId(matrix: ResolvedMatrix, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${matrix.name}-${stamp}`;
}

/** The runner image of target.load.runner: job, with its digest when the reference names one (the pods' imageID is in each cell's runnerPods). */
function runnerImageTool(matrix: ResolvedMatrix): Record<string, string> {
  const t = matrix.target;
  if (t.kind !== 'kubernetes' || t.load?.runner !== 'job' || !t.load.image) return {};
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(t.load.image)?.[1];
  return {
    'runner-image': t.load.image,
    'runner-image-digest': digest ?? "not pinned: the reference is a tag (each cell's runnerPods.pods[].imageID says what ran)",
  };
}

export function newRunRecord(id: string, matrix: ResolvedMatrix, cells: readonly Cell[], tools: ReturnType<typeof localTools>): RunRecord {
  const now = new Date().toISOString();
  const git = gitRevision();
  return {
    format: RECORD_FORMAT,
    id,
    status: 'running',
    createdAt: now,
    startedAt: now,
    matrix,
    matrixHash: matrix.hash,
    tools: {
      k6: toolVersion(tools.k6, ['version']),
      prometheus: toolVersion(tools.prometheus),
      simulator: tools.sim,
      ...runnerImageTool(matrix),
    },
    ...(git ? { git } : {}),
    host: { hostname: hostname(), platform: process.platform, cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    cells: cellEntries(cells),
  };
}

export interface ExecuteOptions {
  dir: RunDir;
  cells: readonly Cell[];
  tools: ReturnType<typeof localTools>;
  progress: Progress;
  signal: AbortSignal;
  /** Models, GPUs and accelerators (simulated latencies, a cluster's manifests), read once by the command. */
  catalog: Catalog;
  /** kubernetes target: leave the last cell deployed when the run ends. */
  keep?: boolean;
  /** kubernetes target: the kubeconfig (default: $KUBECONFIG, then ~/.kube/config). */
  kubeconfig?: string;
}

/** The target a run directory's matrix names: the local processes, or a cluster through its kubeconfig. */
export async function openTarget(o: Pick<ExecuteOptions, 'dir' | 'tools' | 'catalog' | 'keep' | 'kubeconfig'>): Promise<Target> {
  const matrix = o.dir.record.matrix;
  const t = matrix.target;
  if (t.kind === 'local') {
    return LocalTarget.open({
      simBinary: o.tools.sim,
      prometheusBinary: o.tools.prometheus,
      routerBinary: o.tools.router,
      scrapeIntervalMs: t.scrapeIntervalMs,
      catalog: o.catalog,
      logDir: join(o.dir.root, 'logs'),
    });
  }
  if (!t.url)
    throw new UserError(
      `${matrix.source}: target.url: give the URL the load goes to (an ingress, a LoadBalancer, or a \`kubectl port-forward\` to the Service)`,
    );
  if (!t.prometheusUrl) throw new UserError(`${matrix.source}: target.prometheus_url: give the URL of the Prometheus that scrapes the serving pods`);
  const client = ClusterClient.load({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(t.context ? { context: t.context } : {}) });
  return new KubernetesTarget({
    client,
    namespace: t.namespace,
    url: t.url,
    prometheusUrl: t.prometheusUrl,
    runId: o.dir.record.id,
    slo: matrix.slo,
    catalog: o.catalog,
    keep: Boolean(o.keep),
    ...(t.createNamespace !== undefined ? { createNamespace: t.createNamespace } : {}),
    ...(t.serving ? { manifests: { serving: t.serving } } : {}),
    ...(t.load ? { load: t.load } : {}),
  });
}

/** Runs every unfinished cell in order; a failing cell is recorded and the run goes on. */
export async function executeRun(o: ExecuteOptions): Promise<RunOutcome> {
  const { dir, cells, progress, signal } = o;
  const matrix = dir.record.matrix;
  setProcessJournal(join(dir.root, 'processes.jsonl'));
  dir.record.status = 'running';
  dir.save();
  const todo = cells.filter((c) => !isFinished(dir.entry(c.id)));
  let target: Target | undefined;
  let interrupted = false;
  try {
    if (todo.length > 0) {
      target = await openTarget(o);
    }
    for (const cell of todo) {
      if (signal.aborted) {
        interrupted = true;
        break;
      }
      const entry = dir.entry(cell.id);
      dir.update(cell.id, { status: 'running', startedAt: new Date().toISOString(), attempts: entry.attempts + 1 });
      const cellDir = dir.freshCellDir(cell.id);
      try {
        const result = await runCell({ cell, total: cells.length, matrix, target: target!, k6: o.tools.k6, dir: cellDir, progress, signal });
        dir.update(cell.id, { status: result.status, endedAt: new Date().toISOString(), ...(result.reason ? { reason: result.reason } : {}) });
        progress.cellDone(cellLine(cell, cells.length, result));
      } catch (err) {
        if (!(err instanceof CellInterrupted)) throw err;
        dir.update(cell.id, { status: 'interrupted', endedAt: new Date().toISOString(), reason: 'interrupted' });
        interrupted = true;
        break;
      }
    }
  } finally {
    await target?.close();
    setProcessJournal(undefined);
  }
  const failed = dir.record.cells.filter((c) => c.status === 'failed').length;
  const done = dir.record.cells.filter((c) => c.status === 'done').length;
  dir.setStatus(interrupted ? 'interrupted' : failed > 0 ? 'failed' : 'done');
  return { dir, interrupted, failed, done };
}

function cellLine(cell: Cell, total: number, r: CellResult): string {
  const took = formatDuration(r.loadEnd - r.loadStart);
  const head = `cell ${cell.index + 1}/${total} ${cell.id}`;
  if (r.status === 'failed') return `${head} FAILED after ${took}: ${r.reason}`;
  const c = r.client;
  const ttft = c.ttftMs.p95 !== undefined ? `${c.ttftMs.p95} ms` : 'n/a';
  const tpot = c.tpotMs.p95 !== undefined ? `${c.tpotMs.p95} ms` : 'n/a';
  return `${head} done in ${took}: ${c.requests} requests, ${c.errors} errors, p95 TTFT ${ttft}, p95 TPOT ${tpot}, replicas max ${r.replicas.max}`;
}

/** Cell results of a run directory, in cell order (cells without a result are left out). */
export function readResults(dir: RunDir): CellResult[] {
  return dir.record.cells
    .map((c) => join(dir.cellDir(c.id), 'result.json'))
    .filter((f) => existsSync(f))
    .map((f) => readJson(f, cellResultSchema));
}
