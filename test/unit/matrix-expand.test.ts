import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Document, isCollection, parse, visit } from 'yaml';
import { expandCells } from '../../src/matrix/expand.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { projectRoot } from '../../src/util/tools.js';
import { loadYaml, scratchDir } from './matrix-helpers.js';
import { projectCatalog } from '../../src/catalog/catalog.js';

const dir = scratchDir();
const nightlyFile = join(projectRoot, 'matrices', 'nightly.yaml');
const nightlyText = readFileSync(nightlyFile, 'utf8');
const nightly = loadMatrix(nightlyFile, projectCatalog());
const ids = expandCells(nightly).map((c) => c.id);
const idsOf = (yaml: string): string[] => expandCells(loadYaml(dir, yaml)).map((c) => c.id);

/** The same data with every mapping's keys in reverse order. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reversed(x)]),
    );
  return v;
}

/** nightly.yaml rewritten by the yaml library: keys reversed, flow style throughout, other comments. */
function reformatted(): string {
  const doc = new Document(reversed(parse(nightlyText)));
  visit(doc, { Collection: (_, node) => void (node.flow = true) });
  doc.commentBefore = ' the same matrix, written differently';
  visit(doc, { Pair: (_, pair) => void (isCollection(pair.value) && (pair.value.comment = ` end of ${String(pair.key)}`)) });
  return doc.toString();
}

/** nightly.yaml by hand: block lists, other key orders, quotes, "300s" for "5m". */
const byHand = `# hand-written variant
repeats: 2
load:
  settle: "until-idle"
  warmup: 30s   # half a minute
  duration: 300s
  users:
    - 8
    - 32
    - 64
  shape: step
autoscalers:
  - { kind: hpa-cpu, target_utilization: 70, name: hpa-cpu }
  - { target: 5, metric: "vllm:num_requests_waiting", kind: hpa-custom, name: hpa-custom }
  - min_replicas: 1
    threshold: 5.0
    query: sum(vllm:num_requests_waiting{namespace="scalebench"})
    kind: keda
    name: keda
deployments:
  - replicas: { max: 6, min: 1, start: 1 }
    vllm: { max_model_len: 4096, max_num_seqs: 32 }
    gpu: { count: 1, type: H100 }
    model: "meta-llama/Llama-3.1-8B-Instruct"
    name: llama8b-h100
workload: { profile: chatbot }
slo: { e2e_ms_p95: 20s, tpot_ms_p95: 50ms, ttft_ms_p95: 0.5s }
target: { kind: local }
description: another description does not change what runs
name: nightly-llama8b
`;

describe('cells of matrices/nightly.yaml', () => {
  it('are 18, in order deployments × autoscalers × levels × repeats', () => {
    expect(ids).toHaveLength(18);
    expect(ids.map((id) => id.replace(/-[0-9a-f]{8}$/, ''))).toEqual(
      ['hpa-cpu', 'hpa-custom', 'keda'].flatMap((a) => [8, 32, 64].flatMap((u) => [1, 2].map((r) => `llama8b-h100.${a}.step${u}.r${r}`))),
    );
    expect(expandCells(nightly).map((c) => c.index)).toEqual([...Array(18).keys()]);
  });

  it.each([
    ['reformatted by the yaml library', reformatted()],
    ['written by hand another way', byHand],
  ])('keep their ids when the file is %s', (_, yaml) => {
    expect(yaml).not.toBe(nightlyText);
    expect(idsOf(yaml)).toEqual(ids);
  });

  it('hash the resolved content, not the text', () => {
    expect(loadYaml(dir, reformatted()).hash).toBe(nightly.hash);
  });
});

describe('cell ids change with content', () => {
  const edit = (from: string, to: string): string => {
    expect(nightlyText).toContain(from);
    return nightlyText.replace(from, to);
  };
  it.each([
    ['max_num_seqs', 'max_num_seqs: 32', 'max_num_seqs: 16', 18],
    ['the GPU count', 'count: 1', 'count: 2', 18],
    ['an SLO', 'ttft_ms_p95: 500ms', 'ttft_ms_p95: 400ms', 18],
    ['the workload profile', 'profile: chatbot', 'profile: summarization', 18],
    ['the load duration', 'duration: 5m', 'duration: 4m', 18],
    ['the target', 'target: { kind: local }', 'target: { kind: kubernetes, namespace: bench }', 18],
    ['one autoscaler', 'threshold: 5', 'threshold: 6', 6],
    ['the description (not content)', 'description: Llama', 'description: Still Llama', 0],
  ])('%s', (_, from, to, changed) => {
    const after = idsOf(edit(from, to));
    expect(after).toHaveLength(18);
    expect(after.filter((id, i) => id !== ids[i])).toHaveLength(changed);
  });

  it('keep the existing ids when repeats grow', () => {
    const after = idsOf(edit('repeats: 2', 'repeats: 3'));
    expect(after).toHaveLength(27);
    expect(after).toEqual(expect.arrayContaining(ids));
  });
});
