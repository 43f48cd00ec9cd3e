import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterCache, ControlPlane, missingBinaries } from './rig/control-plane.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratch } from '../integration/helpers.js';

const missing = missingBinaries();
const skipReason = missing.length
  ? `cluster tier skipped: ${missing.join(', ')} not in ${clusterCache()} (build them with scripts/setup-cluster, about 17 minutes cold)`
  : '';
if (skipReason) process.stdout.write(`${skipReason}\n`);

/** The real upstream CRDs, read by path: test data, never copied into the project. */
const crdDir = resolve(projectRoot, '..', 'shared', 'crds');
if (!missing.length && !existsSync(crdDir)) process.stdout.write(`CRD test skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);

describe.skipIf(missing.length > 0)('a real control plane on loopback', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await ControlPlane.start({ logDir: join(scratch(), 'logs') });
  }, 120_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('serves the API and reports its pinned version', async () => {
    const res = await cp.api('GET', '/version');
    expect(res.status).toBe(200);
    expect((res.body as { gitVersion: string }).gitVersion).toBe('v1.36.1');
  });

  it.skipIf(!existsSync(crdDir))(
    'accepts the upstream KServe, KEDA and prometheus-operator CRDs',
    async () => {
      const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
      for (const f of files) {
        const crd = parse(readFileSync(join(crdDir, f), 'utf8')) as { metadata: { name: string } };
        const res = await cp.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
        expect([res.status, f]).toEqual([201, f]);
      }
      const list = await cp.api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
      const names = (list.body as { items: Array<{ metadata: { name: string } }> }).items.map((i) => i.metadata.name);
      expect(names).toEqual(expect.arrayContaining(['inferenceservices.serving.kserve.io', 'scaledobjects.keda.sh', 'servicemonitors.monitoring.coreos.com']));
    },
    60_000,
  );

  it('the Deployment controller makes a ReplicaSet for a Deployment', async () => {
    await cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sim', namespace: 'bench', labels: { 'app.kubernetes.io/managed-by': 'scalebench' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'sim' } },
        template: { metadata: { labels: { app: 'sim' } }, spec: { containers: [{ name: 'sim', image: 'sim:local' }] } },
      },
    };
    expect((await cp.api('POST', '/apis/apps/v1/namespaces/bench/deployments', deployment)).status).toBe(201);
    const deadline = Date.now() + 30_000;
    let replicaSets = 0;
    while (Date.now() < deadline && replicaSets === 0) {
      const res = await cp.api('GET', '/apis/apps/v1/namespaces/bench/replicasets');
      replicaSets = (res.body as { items: unknown[] }).items.length;
      if (replicaSets === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(replicaSets).toBe(1);
  }, 60_000);
});
