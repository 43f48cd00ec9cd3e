import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ControlPlane } from './control-plane.js';
import { until } from './wait.js';

interface Crd {
  spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served: boolean }> };
}

/**
 * Creates every CustomResourceDefinition of a folder (the real upstream CRDs,
 * read by path) and waits until each is Established and every served version
 * answers a list: then objects of its kinds can be created.
 */
export async function installCrds(cp: ControlPlane, dir: string, timeoutMs = 30_000): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort();
  return installCrdObjects(
    cp,
    files.map((f) => parse(readFileSync(join(dir, f), 'utf8')) as unknown),
    timeoutMs,
  );
}

/** installCrds for CRDs already read. */
export async function installCrdObjects(cp: ControlPlane, crds: readonly unknown[], timeoutMs = 30_000): Promise<string[]> {
  const names: string[] = [];
  for (const o of crds) {
    const crd = o as Crd & { metadata: { name: string } };
    const res = await cp.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    if (res.status !== 201) throw new Error(`CRD ${crd.metadata.name}: the API server answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    names.push(crd.metadata.name);
  }
  for (const name of names) {
    const established = (body: unknown): boolean =>
      ((body as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? []).some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
    const got = await until(
      `CRD ${name} Established`,
      () => cp.api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`),
      (r) => r.status === 200 && established(r.body),
      timeoutMs,
    );
    const crd = got.body as Crd;
    for (const v of crd.spec.versions.filter((x) => x.served)) {
      const path = `/apis/${crd.spec.group}/${v.name}/${crd.spec.names.plural}`;
      await until(
        `${path} served`,
        () => cp.api('GET', path),
        (r) => r.status === 200,
        timeoutMs,
      );
    }
  }
  return names;
}
