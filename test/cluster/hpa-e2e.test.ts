import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterRulesConfigMap } from '../../src/manifests/adapter-rules.js';
import { servingSpec } from '../../src/manifests/bundle.js';
import { manifestDefaults } from '../../src/manifests/defaults.js';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { ClusterClient } from '../../src/targets/kubernetes/cluster-client.js';
import { clusterCache, ControlPlane, controlPlaneBinaries, missingBinaries, podBinaries } from './rig/control-plane.js';
import { replicaTimeline, timelineAgreement } from './rig/fidelity.js';
import { KwokBacking } from './rig/kwok-backing.js';
import { MetricsAdapter } from './rig/metrics-adapter.js';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, onlyRun, runCli, scratch, writeMatrix } from '../integration/helpers.js';
import { installCrds } from './rig/crds.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const missing = missingBinaries(clusterCache(), [...controlPlaneBinaries, ...podBinaries, 'adapter']);
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');
const skip = missing.length > 0 || !existsSync(crdDir);
if (missing.length)
  process.stdout.write(`cluster tier (real HPA end to end) skipped: ${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster)\n`);
else if (!existsSync(crdDir)) process.stdout.write(`cluster tier (real HPA end to end) skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);

const NS = 'bench';
/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period, and the emulation's sync_period: the same. */
const SYNC_S = 3;
/**
 * One step load, run twice: on the cluster (real HPA in kube-controller-manager,
 * metrics through prometheus-adapter from a real Prometheus scraping simulators
 * behind kwok pods) and on the local target (the emulated hpa-custom).
 * Thirds of 25 s: 4 users, 16 users, 4 users. 4 sequences per replica, so the
 * queue builds at 16 users and vanishes at 4.
 */
const matrix = (target: string) => `name: fidelity
target: ${target}
workload: { profile: tiny }
deployments:
  - name: sim
    model: meta-llama/Llama-3.2-1B-Instruct
    gpu: { type: L4 }
    vllm: { max_num_seqs: 4 }
    replicas: { start: 1, min: 1, max: 4 }
    simulator: { ttft: 40ms, itl: 15ms, startup: 1s }
autoscalers:
  - name: waiting
    kind: hpa-custom
    metric: "vllm:num_requests_waiting"
    target: 3
    sync_period: ${SYNC_S}s
    behavior:
      scale_up: { stabilization_window: 0s }
      scale_down: { stabilization_window: 15s }
load: { shape: step, low: 0.25, users: [16], duration: 75s, settle: 5s }
sample_interval: 1s
`;

interface Sample {
  t: number;
  phase: string;
  replicas: { desired: number; current: number; ready: number };
}
interface Event {
  t: number;
  kind: string;
  from?: number;
  to?: number;
  reason?: string;
}

function cellFiles(runDir: string): { samples: Sample[]; events: Event[]; result: { loadStart: number; status: string; reason?: string } } {
  const cells = readdirSync(join(runDir, 'cells'));
  const dir = join(runDir, 'cells', cells[0]!);
  const lines = (f: string) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return { samples: lines('samples.jsonl'), events: lines('events.jsonl'), result: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) };
}

describe.skipIf(skip)('a real HPA on real metrics, end to end, and the emulation beside it', () => {
  const dir = scratch();
  let cp: ControlPlane;
  let backing: KwokBacking;
  let adapter: MetricsAdapter;
  let cluster: ReturnType<typeof cellFiles>;
  let local: ReturnType<typeof cellFiles>;

  beforeAll(async () => {
    ensureBuilt();
    cp = await ControlPlane.start({ logDir: join(dir, 'logs'), pods: true, aggregation: true, hpaSyncPeriodMs: SYNC_S * 1000 });
    const client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
    await installCrds(cp, crdDir);
    await cp.fakeNode('kwok-l4-0', { labels: { 'nvidia.com/gpu.product': 'NVIDIA-L4' } });
    await client.ensureNamespace(NS);

    const cell = expandCells(parseMatrix(matrix('{ kind: local }'), 'fidelity.yaml', projectCatalog()))[0]!;
    backing = await KwokBacking.forMatrix({ client, namespace: NS, matrix: matrix('{ kind: local }'), logDir: join(dir, 'backing') });
    // The adapter runs the rules scalebench generates for this autoscaler.
    const spec = servingSpec(projectCatalog(), cell.deployment, cell.autoscaler, { ...manifestDefaults.options, namespace: NS });
    const rules = adapterRulesConfigMap(spec, cell.autoscaler as Extract<typeof cell.autoscaler, { kind: 'hpa-custom' }>);
    adapter = await MetricsAdapter.start({
      client,
      kubeconfig: cp.kubeconfig,
      frontProxyCa: cp.frontProxyCa!,
      prometheusUrl: backing.prometheusUrl,
      rulesYaml: (rules.data as Record<string, string>)['config.yaml']!,
      dir,
    });
    await adapter.waitAvailable(client, 60_000);

    writeMatrix(dir, 'cluster.yaml', matrix(`{ kind: kubernetes, namespace: ${NS}, url: "${backing.url}", prometheus_url: "${backing.prometheusUrl}" }`));
    const k = await runCli(['run', 'cluster.yaml', '--out', 'cluster-out', '--kubeconfig', cp.kubeconfig], { cwd: dir });
    expect(k.stderr).not.toMatch(/unexpected error/);
    cluster = cellFiles(onlyRun(join(dir, 'cluster-out')));

    writeMatrix(dir, 'local.yaml', matrix('{ kind: local, scrape_interval: 500ms }'));
    const l = await runCli(['run', 'local.yaml', '--out', 'local-out'], { cwd: dir });
    expect(l.code).toBe(0);
    local = cellFiles(onlyRun(join(dir, 'local-out')));
  }, 420_000);

  afterAll(async () => {
    await adapter?.stop();
    await backing?.stop();
    await cp?.stop();
  });

  it('the real HPA scales the Deployment up under the step and, after its window, down; samples and events show it', () => {
    expect(cluster.result.status, cluster.result.reason).toBe('done');
    const desired = cluster.samples.map((s) => s.replicas.desired);
    expect(Math.max(...desired)).toBeGreaterThan(1);
    expect(desired[desired.length - 1]).toBeLessThan(Math.max(...desired));
    const ups = cluster.events.filter((e) => e.kind === 'scale' && e.to! > e.from!);
    const downs = cluster.events.filter((e) => e.kind === 'scale' && e.to! < e.from!);
    expect(ups.length).toBeGreaterThan(0);
    expect(downs.length).toBeGreaterThan(0);
    expect(ups[0]!.reason).toMatch(/HPA sim-waiting: SuccessfulRescale: New size: \d+; reason: pods metric vllm_num_requests_waiting above target/);
    expect(cluster.events.some((e) => e.kind === 'autoscaler')).toBe(true);
  });

  it('fidelity: the emulated hpa-custom and the real HPA give replica timelines that agree', () => {
    const a = replicaTimeline(cluster.samples, cluster.result.loadStart);
    const b = replicaTimeline(local.samples, local.result.loadStart);
    const f = timelineAgreement(a, b, 1);
    process.stdout.write(
      `fidelity (real HPA vs emulation, same step load): ${f.compared} samples compared, ${(f.shareDifferingByMoreThanOne * 100).toFixed(1)} % differ by more than one replica; ` +
        `first scale-up at ${f.firstScaleUpS.a ?? 'never'} s (cluster) vs ${f.firstScaleUpS.b ?? 'never'} s (emulation), difference ${f.firstScaleUpDifferenceS ?? 'n/a'} s; ` +
        `max replicas ${f.max.a} vs ${f.max.b}\n`,
    );
    expect(f.compared).toBeGreaterThan(50);
    expect(f.firstScaleUpS.a).toBeDefined();
    expect(f.firstScaleUpS.b).toBeDefined();
    expect(Math.abs(f.firstScaleUpDifferenceS!)).toBeLessThanOrEqual(2 * SYNC_S + 3);
    expect(f.shareDifferingByMoreThanOne).toBeLessThanOrEqual(0.25);
  });
});
