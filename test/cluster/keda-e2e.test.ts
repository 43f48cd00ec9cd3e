import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairFiles, servingSpec } from '../../src/manifests/bundle.js';
import { manifestDefaults } from '../../src/manifests/defaults.js';
import { scaledDeploymentName } from '../../src/manifests/names.js';
import { expandCells } from '../../src/matrix/expand.js';
import { parseMatrix } from '../../src/matrix/load.js';
import { kedaSpecFor } from '../../src/targets/local/autoscalers/keda.js';
import { ClusterClient } from '../../src/targets/kubernetes/cluster-client.js';
import { clusterCache, ControlPlane, controlPlaneBinaries, missingBinaries, podBinaries } from './rig/control-plane.js';
import { replicaTimeline, timelineAgreement } from './rig/fidelity.js';
import { kedaBinaries, kedaCrdDir, kedaCrds, KedaOperator } from './rig/keda-operator.js';
import { kedaReplay } from './rig/keda-replay.js';
import { KwokBacking } from './rig/kwok-backing.js';
import { projectRoot } from '../../src/util/tools.js';
import { ensureBuilt, onlyRun, scratch, spawnCli, writeMatrix } from '../integration/helpers.js';
import { installCrdObjects } from './rig/crds.js';
import { atLoadSecond, cellFiles, changes, HeldRequests, journalPids, type CellFiles } from './keda-helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const cache = clusterCache();
const missing = missingBinaries(cache, [...controlPlaneBinaries, ...podBinaries, ...kedaBinaries]);
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');
const why = missing.length
  ? `${missing.join(', ')} not in ${cache} (build them with scripts/setup-cluster)`
  : !existsSync(crdDir)
    ? `no ${crdDir} (the shared/ folder beside the clone)`
    : kedaCrds(kedaCrdDir(cache)).length < 4
      ? `KEDA's CRDs not in ${kedaCrdDir(cache)} (scripts/setup-cluster copies them)`
      : undefined;
if (why) process.stdout.write(`cluster tier (real KEDA end to end) skipped: ${why}\n`);

const NS = 'bench';
/** kube-controller-manager's HPA sync period and the emulation's sync_period. */
const SYNC_S = 3;
/** The ScaledObject's pollingInterval, on both targets. */
const POLL_S = 5;
const MODEL = 'meta-llama/Llama-3.2-1B-Instruct';

/**
 * One matrix for both targets. The autoscaler: a ScaledObject with a
 * Prometheus trigger on the requests in flight (running + waiting, summed over
 * the pods), threshold 4.5, so the HPA asks for ceil(in flight / 4.5): 4
 * replicas for 16 users, 1 for 4. A closed loop keeps that count at the users
 * whatever the replicas, so the timeline follows the load and not the
 * autoscaler's own effect on the metric. (On the queue alone, the step
 * oscillates: more replicas empty the queue, the window runs out, one replica
 * queues again. Measured with the queue, threshold 3: 13.8 % of samples off by
 * more than one, the oscillation's phase differing by one or two HPA syncs.)
 */
function matrix(target: string, o: { name: string; load: string; minReplicas?: number; query?: string; threshold?: number; extra?: string }): string {
  return `name: keda-${o.name}
target: ${target}
workload: { profile: tiny }
deployments:
  - name: sim
    model: ${MODEL}
    gpu: { type: L4 }
    vllm: { max_num_seqs: 4 }
    replicas: { start: 1, min: 1, max: 4 }
    simulator: { ttft: 40ms, itl: 15ms, startup: 1s }
autoscalers:
  - name: ${o.name}
    kind: keda
    query: "${o.query ?? 'sum(vllm:num_requests_running) + sum(vllm:num_requests_waiting)'}"
    threshold: ${o.threshold ?? 4.5}
    min_replicas: ${o.minReplicas ?? 1}
    polling_interval: ${POLL_S}s
    cooldown_period: 10s
    sync_period: ${SYNC_S}s
    behavior:
      scale_up: { stabilization_window: 0s }
      scale_down: { stabilization_window: 15s }
${o.extra ?? ''}load: ${o.load}
sample_interval: 1s
`;
}

describe.skipIf(why !== undefined)('a real KEDA (v2.21.0) on real metrics, end to end, and the emulation beside it', () => {
  const dir = scratch();
  let cp: ControlPlane;
  let client: ClusterClient;
  let keda: KedaOperator;
  let backing: KwokBacking | undefined;
  let held: HeldRequests | undefined;

  const startBacking = async (name: string): Promise<KwokBacking> => {
    return KwokBacking.forMatrix({
      client,
      namespace: NS,
      matrix: matrix('{ kind: local }', { name: 'x', load: '{ shape: constant, users: [1], duration: 1s }' }),
      logDir: join(dir, `backing-${name}`),
    });
  };

  /** One `scalebench run` on the cluster, and optionally an action at a load second while it runs. */
  const runCluster = async (name: string, yaml: (b: KwokBacking) => string, during?: { atS: number; act: () => Promise<void> }): Promise<CellFiles> => {
    const b = backing!;
    writeMatrix(dir, `cluster-${name}.yaml`, yaml(b));
    const out = join(dir, `cluster-${name}-out`);
    const run = spawnCli(['run', `cluster-${name}.yaml`, '--out', out, '--kubeconfig', cp.kubeconfig], { cwd: dir });
    if (during) {
      await atLoadSecond(out, during.atS);
      await during.act();
    }
    const r = await run.done;
    expect(r.stderr).not.toMatch(/unexpected error/);
    return cellFiles(onlyRun(out));
  };

  const runLocal = async (name: string, yaml: string, during?: { atS: number; act: (out: string) => Promise<void> }): Promise<CellFiles> => {
    writeMatrix(dir, `local-${name}.yaml`, yaml);
    const out = join(dir, `local-${name}-out`);
    const run = spawnCli(['run', `local-${name}.yaml`, '--out', out], { cwd: dir });
    if (during) {
      await atLoadSecond(out, during.atS);
      await during.act(out);
    }
    await run.done;
    return cellFiles(onlyRun(out));
  };

  beforeAll(async () => {
    ensureBuilt();
    cp = await ControlPlane.start({ logDir: join(dir, 'logs'), pods: true, aggregation: true, hpaSyncPeriodMs: SYNC_S * 1000 });
    client = ClusterClient.load({ kubeconfig: cp.kubeconfig });
    const crds = [
      ...readdirSync(crdDir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => parse(readFileSync(join(crdDir, f), 'utf8')) as Record<string, unknown>),
      ...kedaCrds(kedaCrdDir(cache)),
    ];
    // Established and served before the operator's informers start.
    await installCrdObjects(cp, crds);
    await cp.fakeNode('kwok-l4-0', { labels: { 'nvidia.com/gpu.product': 'NVIDIA-L4' } });
    await client.ensureNamespace(NS);
    keda = await KedaOperator.start({ client, kubeconfig: cp.kubeconfig, frontProxyCa: cp.frontProxyCa!, dir });
    await keda.waitAvailable(client, 90_000);
    backing = await startBacking('main');
  }, 240_000);

  afterAll(async () => {
    await held?.stop();
    await backing?.stop();
    await keda?.stop();
    await cp?.stop();
  });

  // --- 2, 3: a step load on the real operator, then on the emulator ---------------------------------------------

  const step = '{ shape: step, low: 0.25, users: [16], duration: 75s, settle: 5s }';
  let cluster: CellFiles;
  let local: CellFiles;

  it('the step: the operator creates keda-hpa-sim-step, kube-controller-manager scales up, then down after the window; teardown removes both', async () => {
    cluster = await runCluster('step', (b) =>
      matrix(`{ kind: kubernetes, namespace: ${NS}, url: "${b.url}", prometheus_url: "${b.prometheusUrl}" }`, { name: 'step', load: step }),
    );
    expect(cluster.result.status, cluster.result.reason).toBe('done');
    const desired = cluster.samples.map((s) => s.replicas.desired);
    expect(Math.max(...desired)).toBeGreaterThan(1);
    expect(desired[desired.length - 1]).toBeLessThan(Math.max(...desired));
    const ups = cluster.events.filter((e) => e.kind === 'scale' && e.to! > e.from!);
    const downs = cluster.events.filter((e) => e.kind === 'scale' && e.to! < e.from!);
    expect(ups.length).toBeGreaterThan(0);
    expect(downs.length).toBeGreaterThan(0);
    expect(ups[0]!.reason).toMatch(/HPA keda-hpa-sim-step: SuccessfulRescale: New size: \d+; reason: external metric s0-prometheus\(.*\) above target/);
    expect(cluster.events.some((e) => e.kind === 'autoscaler')).toBe(true);
    // Teardown (the run ends without --keep): the ScaledObject goes, and with it (KEDA's finalizer) its HPA.
    const deadline = Date.now() + 30_000;
    let left: string[] = [];
    do {
      left = [
        ...(await client.list('keda.sh/v1alpha1', 'ScaledObject', NS)).map((o) => `ScaledObject ${o.metadata.name}`),
        ...(await client.list('autoscaling/v2', 'HorizontalPodAutoscaler', NS)).map((o) => `HPA ${o.metadata.name}`),
      ];
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
    expect(left).toEqual([]);
    expect(keda.running()).toBe(true);
  }, 300_000);

  it('fidelity: the emulated keda and the real operator give replica timelines that agree on the same step', async () => {
    local = await runLocal('step', matrix('{ kind: local, scrape_interval: 500ms }', { name: 'step', load: step }));
    expect(local.result.status, local.result.reason).toBe('done');
    const a = replicaTimeline(cluster.samples, cluster.result.loadStart);
    const b = replicaTimeline(local.samples, local.result.loadStart);
    const f = timelineAgreement(a, b, 1);
    process.stdout.write(
      `keda fidelity (real operator vs emulation, same step load): ${f.compared} samples compared, ${(f.shareDifferingByMoreThanOne * 100).toFixed(1)} % differ by more than one replica; ` +
        `first scale-up at ${f.firstScaleUpS.a ?? 'never'} s (cluster) vs ${f.firstScaleUpS.b ?? 'never'} s (emulation), difference ${f.firstScaleUpDifferenceS ?? 'n/a'} s; ` +
        `first scale-down at ${f.firstScaleDownS.a ?? 'never'} s vs ${f.firstScaleDownS.b ?? 'never'} s, difference ${f.firstScaleDownDifferenceS ?? 'n/a'} s; max replicas ${f.max.a} vs ${f.max.b}\n` +
        `  cluster:   ${changes(a)}\n  emulation: ${changes(b)}\n`,
    );
    expect(f.compared).toBeGreaterThan(50);
    expect(f.shareDifferingByMoreThanOne).toBeLessThanOrEqual(0.1);
    // Within one polling interval plus one HPA sync period.
    expect(Math.abs(f.firstScaleUpDifferenceS!)).toBeLessThanOrEqual(POLL_S + SYNC_S);
    expect(Math.abs(f.firstScaleDownDifferenceS!)).toBeLessThanOrEqual(POLL_S + SYNC_S);
  }, 300_000);

  // --- 4: scale to zero and back ---------------------------------------------------------------------------------

  it('scale to zero and back: time from the first request to a ready replica, real and emulated; requests at zero are refused by the router', async () => {
    held = await HeldRequests.start();
    backing!.setExtraTargets([{ address: `127.0.0.1:${held.port}`, labels: { namespace: NS, pod: 'held-requests' } }]);
    const m = parseMatrix(
      matrix('{ kind: local }', {
        name: 'zero',
        minReplicas: 0,
        query: 'sum(scalebench_held_requests)',
        threshold: 3,
        load: '{ shape: constant, users: [1], duration: 1s }',
      }),
      'zero.yaml',
      projectCatalog(),
    );
    const cell = expandCells(m)[0]!;
    const s = servingSpec(projectCatalog(), cell.deployment, cell.autoscaler, {
      ...manifestDefaults.options,
      namespace: NS,
      prometheusUrl: backing!.prometheusUrl,
    });
    const deployment = scaledDeploymentName(s);
    const objects = pairFiles(s)
      .filter(([f]) => f !== 'adapter-rules.yaml')
      .map(([, o]) => o);
    const created = Date.now();
    for (const o of objects) await client.apply(o);
    const replicas = async (): Promise<{ spec: number; ready: number }> => {
      const d = await client.read('apps/v1', 'Deployment', NS, deployment);
      return { spec: (d?.spec as { replicas?: number })?.replicas ?? 0, ready: (d?.status as { readyReplicas?: number })?.readyReplicas ?? 0 };
    };
    const until = async (what: string, ok: (r: { spec: number; ready: number }) => boolean, timeoutMs: number): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (ok(await replicas())) return Date.now();
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${deployment}: not ${what} after ${timeoutMs / 1000}s (${JSON.stringify(await replicas())})`);
    };
    try {
      // Never active: initialCooldownPeriod 0, so the first poll takes it to zero.
      const zeroAt = await until('at zero', (r) => r.spec === 0 && r.ready === 0, 60_000);
      await new Promise((r) => setTimeout(r, 3000));
      const t0 = Date.now();
      const sends = Array.from({ length: 4 }, () => held!.send(backing!.url, MODEL));
      const readyAt = await until('ready again', (r) => r.ready > 0, 60_000);
      const served = await Promise.all(sends);
      const lastServed = Math.max(...served);
      const backToZero = await until('back at zero', (r) => r.spec === 0, 90_000);

      // The emulator on the same signal: held requests as Prometheus saw them, polls from the creation on.
      const spec = kedaSpecFor(cell.autoscaler as Extract<typeof cell.autoscaler, { kind: 'keda' }>, cell.deployment);
      const steps = kedaReplay({
        spec,
        startMs: created,
        endMs: backToZero + 30_000,
        pollingIntervalMs: POLL_S * 1000,
        syncPeriodMs: SYNC_S * 1000,
        startReplicas: cell.deployment.replicas.start,
        outcomeAt: (t) => ({ result: [{ metric: {}, value: [t / 1000, String(held!.at(t - 500))] }] }),
      });
      const emuActive = steps.find((x) => x.t >= t0 && x.replicas > 0)!;
      const emuReady = emuActive.t + cell.deployment.simulator.startupMs;
      const emuZero = steps.find((x) => x.t > lastServed && x.replicas === 0);
      process.stdout.write(
        `keda scale to zero: at zero ${((zeroAt - created) / 1000).toFixed(1)} s after the ScaledObject was created (never active, initialCooldownPeriod 0); ` +
          `first request to a ready replica ${((readyAt - t0) / 1000).toFixed(1)} s real vs ${((emuReady - t0) / 1000).toFixed(1)} s emulated (poll ${POLL_S} s, start-up ${cell.deployment.simulator.startupMs / 1000} s); ` +
          `first request served after ${((Math.min(...served) - t0) / 1000).toFixed(1)} s; while no replica was ready the router refused ${held!.refused} attempts (${held!.refusals[0] ?? 'none'}); ` +
          `back to zero ${((backToZero - lastServed) / 1000).toFixed(1)} s after the last request real vs ${emuZero ? ((emuZero.t - lastServed) / 1000).toFixed(1) : 'never'} s emulated (cooldown 10 s)\n`,
      );
      expect(held!.refused).toBeGreaterThan(0);
      expect(held!.refusals[0]).toMatch(/503.*no ready replica/);
      expect(readyAt - t0).toBeLessThanOrEqual((POLL_S + SYNC_S + 3) * 1000);
      expect(Math.abs(readyAt - emuReady)).toBeLessThanOrEqual((POLL_S + 2) * 1000);
      expect(emuZero).toBeDefined();
      expect(Math.abs(backToZero - emuZero!.t)).toBeLessThanOrEqual((POLL_S + 2) * 1000);
    } finally {
      for (const o of [...objects].reverse()) await client.delete(o).catch(() => undefined);
      backing!.setExtraTargets([]);
    }
  }, 300_000);

  // --- 5: metrics outage ------------------------------------------------------------------------------------------

  const outageLoad = '{ shape: constant, users: [16], duration: 55s, settle: 5s }';
  const OUTAGE_S = 25;
  for (const withFallback of [false, true]) {
    const name = withFallback ? 'outage-fallback' : 'outage';
    const extra = withFallback ? '    fallback: { failure_threshold: 2, replicas: 2 }\n' : '';
    it(`metrics outage ${withFallback ? 'with fallback (2 failures, 2 replicas)' : 'without fallback'}: Prometheus stopped mid-cell, real operator and emulator`, async () => {
      // A fresh data plane: the outage stops this one's Prometheus for good.
      await backing?.stop();
      backing = await startBacking(name);
      const b = backing;
      const real = await runCluster(
        name,
        () => matrix(`{ kind: kubernetes, namespace: ${NS}, url: "${b.url}", prometheus_url: "${b.prometheusUrl}" }`, { name, load: outageLoad, extra }),
        {
          atS: OUTAGE_S,
          act: () => b.stopPrometheus(),
        },
      );
      const emu = await runLocal(name, matrix('{ kind: local, scrape_interval: 500ms }', { name, load: outageLoad, extra }), {
        atS: OUTAGE_S,
        act: async (out) => {
          for (const pid of journalPids(out, 'prometheus')) process.kill(pid, 'SIGKILL');
        },
      });
      const a = replicaTimeline(real.samples, real.result.loadStart);
      const e = replicaTimeline(emu.samples, emu.result.loadStart);
      const before = (t: ReturnType<typeof replicaTimeline>) => t.filter((p) => p.s < OUTAGE_S).pop()?.desired;
      const end = (t: ReturnType<typeof replicaTimeline>) => t[t.length - 1]?.desired;
      process.stdout.write(
        `keda outage ${withFallback ? 'with fallback' : 'without fallback'} (Prometheus stopped at ${OUTAGE_S} s): status ${real.result.status} / ${emu.result.status}\n` +
          `  real operator: ${changes(a)}\n  emulator:      ${changes(e)}\n`,
      );
      expect(before(a)).toBeGreaterThan(1);
      expect(before(e)).toBeGreaterThan(1);
      if (withFallback) {
        // failures > failureThreshold → the metric is fallback.replicas × threshold → the HPA computes 2.
        expect(end(a)).toBe(2);
        expect(end(e)).toBe(2);
      } else {
        // No fallback: the HPA cannot compute (ScalingActive False) and the operator does not scale; the count stays.
        expect(end(a)).toBe(before(a));
        expect(end(e)).toBe(before(e));
      }
      expect(keda.running()).toBe(true);
    }, 400_000);
  }
});
