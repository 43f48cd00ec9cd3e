import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import { generateForMatrix } from '../manifests/from-matrix.js';
import { kserveModes, monitorKinds, servingForms, type ManifestOptions, type KserveMode, type MonitorKind, type ServingForm } from '../manifests/types.js';
import { streamYaml, writeManifests } from '../manifests/yaml.js';
import { writeHelmChart } from '../helm/write.js';
import { testRunFiles } from '../manifests/k6-operator-files.js';
import { parseMatrix } from '../matrix/load.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { isRecommendation, parseRecommendation } from '../recommend/recommendation-file.js';
import { UserError } from '../util/errors.js';
import { parseInput, readInputText } from '../util/input-file.js';
import { projectCatalog } from '../catalog/catalog.js';

interface GenerateFlags {
  out?: string;
  helm?: string;
  serving?: ServingForm;
  namespace?: string;
  image?: string;
  kserveMode?: KserveMode;
  hfTokenSecret?: string;
  prometheusUrl?: string;
  adapterNamespace?: string;
  monitor?: MonitorKind;
  label: string[];
  deployment: string[];
  autoscaler: string[];
  k6Operator?: boolean;
}

/** A matrix or a recommendation file (recommend/recommendation-file.ts), told apart by its top-level key. */
export function loadGenerateInput(path: string): ResolvedMatrix {
  const text = readInputText(
    path,
    'give the path of a matrix YAML file, such as matrices/nightly.yaml, or of a recommendation file written by `scalebench recommend`',
  );
  // Positioned YAML errors and the input limits come from either parser.
  return isRecommendation(parseInput(text, path).data) ? parseRecommendation(text, path, projectCatalog()) : parseMatrix(text, path, projectCatalog());
}

/** A repeatable option's values, in order. */
const collect = (v: string, all: string[]): string[] => [...all, v];

/** `key=value` flags as labels; a bad one is a usage error. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UserError(`--label ${p}: expected key=value, such as scalebench.dev/run=nightly-1`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/**
 * The matrix cut down to the deployments and autoscalers named (all when
 * none is); a name the matrix does not have is a usage error naming the
 * names it has.
 */
export function selectPairs(m: ResolvedMatrix, deployments: readonly string[], autoscalers: readonly string[], source: string): ResolvedMatrix {
  const pick = <T extends { name: string }>(all: readonly T[], names: readonly string[], field: 'deployment' | 'autoscaler'): T[] => {
    if (names.length === 0) return [...all];
    for (const n of names) {
      if (!all.some((x) => x.name === n))
        throw new UserError(`--${field} ${n}: ${source} has no ${field} named "${n}"; give one of: ${all.map((x) => x.name).join(', ')}`);
    }
    return all.filter((x) => names.includes(x.name));
  };
  return { ...m, deployments: pick(m.deployments, deployments, 'deployment'), autoscalers: pick(m.autoscalers, autoscalers, 'autoscaler') };
}

/** The manifest options the flags set (the rest come from the matrix and the defaults). */
export function optionsFromFlags(f: GenerateFlags, source: string): Partial<ManifestOptions> {
  const over: Partial<ManifestOptions> = { labels: parseLabels(f.label), source };
  if (f.serving) over.serving = f.serving;
  if (f.namespace) over.namespace = f.namespace;
  if (f.image) over.image = f.image;
  if (f.kserveMode) over.kserveMode = f.kserveMode;
  if (f.prometheusUrl) over.prometheusUrl = f.prometheusUrl;
  if (f.adapterNamespace) over.adapterNamespace = f.adapterNamespace;
  if (f.monitor) over.monitor = f.monitor;
  if (f.hfTokenSecret) {
    const [name, key = 'token'] = f.hfTokenSecret.split(':');
    if (!name) throw new UserError(`--hf-token-secret ${f.hfTokenSecret}: expected <secret>[:<key>], such as hf-token:token`);
    over.hfTokenSecret = { name, key };
  }
  return over;
}

/**
 * `scalebench generate <matrix|recommendation> [--out dir]`: the manifests of
 * every deployment × autoscaler (or those named with --deployment and
 * --autoscaler), after the pre-deploy checks (a failed check
 * is exit code 2 and nothing is written). With --out, a folder with
 * deterministic file names (earlier generated files no longer produced are
 * removed); without, one YAML stream on stdout.
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description('write the Kubernetes manifests (vLLM, KServe, HPA, KEDA, monitoring) of every deployment × autoscaler, after the pre-deploy checks')
    .argument('<input>', 'a matrix (matrices/…) or a recommendation file')
    .option('--out <dir>', 'write a folder of manifests (default: one YAML stream on stdout)')
    .option(
      '--helm <dir>',
      'write a Helm chart of one deployment (give --deployment when the matrix has several): recipe-aware values, auto-selection in the templates; `helm template` renders what generate writes',
    )
    .addOption(
      new Option('--serving <form>', 'deployment + Service, KServe with the vLLM container, or KServe huggingface runtime (default: deployment)').choices(
        servingForms,
      ),
    )
    .option('--namespace <ns>', "namespace of the objects (default: the matrix's kubernetes target, else scalebench)")
    .option('--image <image>', 'vLLM image (default: per GPU vendor, data/accelerators.json)')
    .addOption(new Option('--kserve-mode <mode>', 'serving.kserve.io/deploymentMode (RawDeployment before KServe 0.16)').choices(kserveModes))
    .option('--hf-token-secret <name[:key]>', 'Secret with the Hugging Face token (default hf-token:token; referenced, never inlined)')
    .option('--prometheus-url <url>', "Prometheus for KEDA's trigger (default: the matrix's prometheus_url)")
    .option('--adapter-namespace <ns>', 'namespace of prometheus-adapter, for its rules ConfigMap (default monitoring)')
    .addOption(new Option('--monitor <kind>', 'ServiceMonitor or PodMonitor (default: by serving form)').choices(monitorKinds))
    .option('--deployment <name>', 'only this deployment of the matrix (repeatable; default all)', collect, [] as string[])
    .option('--autoscaler <name>', 'only this autoscaler of the matrix (repeatable; default all)', collect, [] as string[])
    .option('--label <key=value>', 'a label on every object (repeatable), e.g. the run and cell', collect, [] as string[])
    .option(
      '--k6-operator',
      "also a k6-operator TestRun and its ConfigMap per load level (k6-operator/): the kubernetes target's url and load settings (parallelism, image)",
    )
    .action((input: string, flags: GenerateFlags) => {
      const source = relative(process.cwd(), input) || input;
      const matrix = selectPairs(loadGenerateInput(input), flags.deployment, flags.autoscaler, source);
      if (flags.helm) {
        for (const path of writeHelmChart(projectCatalog(), flags.helm, matrix, optionsFromFlags(flags, source), source))
          process.stdout.write(`${relative(process.cwd(), `${flags.helm}/${path}`)}\n`);
        return;
      }
      const set = generateForMatrix(projectCatalog(), matrix, optionsFromFlags(flags, source));
      if (flags.k6Operator)
        set.files.push(...testRunFiles(matrix, flags.namespace ?? (matrix.target.kind === 'kubernetes' ? matrix.target.namespace : 'scalebench')));
      for (const note of set.notes) process.stderr.write(`scalebench: note: ${note}\n`);
      if (!flags.out) {
        process.stdout.write(streamYaml(set.files, source));
        return;
      }
      const { written, removed } = writeManifests(flags.out, set.files, source);
      for (const path of written) process.stdout.write(`${relative(process.cwd(), `${flags.out}/${path}`)}\n`);
      if (removed.length) process.stderr.write(`scalebench: removed ${removed.length} file(s) of an earlier generate: ${removed.join(', ')}\n`);
    });
}
