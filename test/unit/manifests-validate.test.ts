import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrdSchemas } from '../../src/manifests/crd-schemas.js';
import { generateForMatrix } from '../../src/manifests/from-matrix.js';
import { servingForms, type ServingForm } from '../../src/manifests/types.js';
import { formatReport, validatePaths, type ValidationReport } from '../../src/manifests/validate-files.js';
import { writeManifests } from '../../src/manifests/yaml.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { projectRoot } from '../../src/util/tools.js';
import { crdDir, haveCrds as haveCrdsHere } from '../prerequisites.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

/** The real upstream CRDs, read by path: test data, never copied into the project. */
const haveCrds = haveCrdsHere();
if (!haveCrds) process.stdout.write(`manifest validation against CRDs skipped: no ${crdDir} (the shared/ folder beside the clone)\n`);
/** One set for every test: each kind's schema is compiled once. */
const crds = haveCrds ? CrdSchemas.fromPath(crdDir) : CrdSchemas.none();

/** Every matrix of the project: matrices/*.yaml and matrices/examples/*.yaml. */
const matrixFiles = ['matrices', 'matrices/examples'].flatMap((dir) =>
  readdirSync(join(projectRoot, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${dir}/${f}`),
);

/** Every deployment × autoscaler of every matrix in one serving form, written as `generate --out` writes them. */
function generateAll(serving: ServingForm): string {
  const out = mkdtempSync(join(tmpdir(), `scalebench-manifests-${serving}-`));
  for (const file of matrixFiles) {
    const set = generateForMatrix(projectCatalog(), loadMatrix(join(projectRoot, file), projectCatalog()), { serving, source: file });
    writeManifests(join(out, file.replace(/\.yaml$/, '')), set.files, file);
  }
  return out;
}

/** Per kind, what checked it (CRD file paths shortened to their names), and the statuses seen. */
function byKind(report: ValidationReport): Record<string, string> {
  const kinds: Record<string, Set<string>> = {};
  for (const o of report.objects) {
    const how = `${o.status}: ${o.checkedWith.join('; ')}`.replace(/\((\/[^)]*\/)?([^/)]+\.yaml)\)/, '($2)');
    (kinds[o.kind] ??= new Set()).add(how);
  }
  return Object.fromEntries(
    Object.entries(kinds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, [...v].sort().join(' | ')]),
  );
}

/** Every problem, `file:line: Kind: path: message`, files relative to the generated folder. */
const problems = (report: ValidationReport, root: string): string[] =>
  report.objects.flatMap((o) => o.issues.map((i) => `${relative(root, o.file)}:${i.line}: ${o.kind}: ${i.path}: ${i.message}`));

describe.each(servingForms)('every deployment × autoscaler of every matrix, served as %s', (serving) => {
  let dir: string;
  beforeAll(() => {
    dir = generateAll(serving);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!haveCrds)(
    'validates: core kinds with kubernetes-models, custom resources against the upstream CRDs (--crds)',
    async () => {
      const report = await validatePaths([dir], crds);
      expect(problems(report, dir)).toEqual([]);
      expect(report.counts).toEqual({ valid: report.objects.length, invalid: 0, unchecked: 0 });
      expect(report.objects.length).toBeGreaterThan(50);
      const kinds = byKind(report);
      expect(kinds.Deployment ?? kinds.InferenceService).toBeDefined();
      expect(kinds).toMatchSnapshot();
    },
    60_000,
  );

  it('without --crds: KEDA and KServe kinds are not checked, with where to get their CRDs; the rest is valid', async () => {
    const report = await validatePaths([dir], CrdSchemas.none());
    expect(report.counts.invalid).toBe(0);
    const unchecked = [...new Set(report.objects.filter((o) => o.status === 'unchecked').map((o) => `${o.kind} (${o.apiVersion})`))].sort();
    expect(unchecked).toEqual(serving === 'deployment' ? ['ScaledObject (keda.sh/v1alpha1)'] : ['InferenceService (serving.kserve.io/v1beta1)']);
    const notChecked = formatReport(report)
      .split('\n')
      .filter((l) => l.startsWith('not checked:'))
      .map((l) => l.replace(/^not checked: \d+ ×/, 'not checked: N ×'));
    expect(notChecked).toEqual([
      serving === 'deployment'
        ? "not checked: N × ScaledObject (keda.sh/v1alpha1): no schema for ScaledObject (keda.sh/v1alpha1): give --crds <dir> holding its CustomResourceDefinition (its CRD file is published in kedacore/keda config/crd/bases/), or write the cluster's with `kubectl get crd -o yaml > <dir>/crds.yaml`"
        : "not checked: N × InferenceService (serving.kserve.io/v1beta1): no schema for InferenceService (serving.kserve.io/v1beta1): give --crds <dir> holding its CustomResourceDefinition (its CRD file is published in kserve/kserve config/crd/full/), or write the cluster's with `kubectl get crd -o yaml > <dir>/crds.yaml`",
    ]);
    // prometheus-operator kinds are checked by their @kubernetes-models package even without CRDs.
    const monitoring = report.objects.filter((o) => o.apiVersion.startsWith('monitoring.coreos.com/'));
    expect(monitoring.length).toBeGreaterThan(0);
    expect(new Set(monitoring.map((o) => `${o.status} ${o.checkedWith.join('; ')}`))).toEqual(new Set(['valid @kubernetes-models/prometheus-operator 5.0.1']));
  }, 60_000);
});
