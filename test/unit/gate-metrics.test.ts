import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gateableMetrics } from '../../src/gate/metrics.js';
import { expandCells } from '../../src/matrix/expand.js';
import { writeReport } from '../../src/report/write.js';
import { writeFixtureRun } from '../report-fixture.js';

/**
 * The gate's list of metrics follows the records: every field of a record is
 * either a metric a gate rule may name or a setting that is not a result
 * (listed here). A new record field fails this test until it is placed.
 */
const settings = new Set([
  'run_id', 'cell_id', 'cell_key', 'deployment', 'repeat', 'created_at', 'source', 'confidence', 'status',
  'model', 'precision', 'engine', 'engine_version', 'hardware', 'gpus_per_replica', 'tensor_parallel', 'replicas_min', 'replicas_max',
  'max_num_seqs', 'max_model_len', 'max_num_batched_tokens', 'gpu_memory_utilization', 'prefix_caching', 'gpu_cost_usd_per_hour',
  'autoscaler', 'autoscaler_kind', 'autoscaler_target', 'profile', 'prompt_tokens_target', 'output_tokens_target',
  'prompt_tokens_stdev', 'output_tokens_stdev', 'arrival', 'shape', 'level', 'duration_s', 'warmup_s',
  'server_ttft_ms_p95_bucket_lo', 'server_ttft_ms_p95_bucket_hi', 'server_tpot_ms_p95_bucket_lo', 'server_tpot_ms_p95_bucket_hi',
  'server_e2e_ms_p95_bucket_lo', 'server_e2e_ms_p95_bucket_hi', 'server_ttft_excludes_queue',
  'slo_pass_ttft', 'slo_pass_tpot', 'slo_pass_e2e', 'saturation', 'validity', 'validity_reasons', 'error_sources',
  'gpu_sharing', 'gpu_share_per_replica', 'usd_per_replica_hour',
]);

describe("the gate's metrics and the records", () => {
  const run = writeFixtureRun(mkdtempSync(join(tmpdir(), 'scalebench-gate-metrics-')));
  writeReport(run, expandCells(run.record.matrix));
  const keys = Object.keys(JSON.parse(readFileSync(join(run.root, 'records.jsonl'), 'utf8').split('\n')[0]!) as object);

  it('every record field is a gateable metric or a named setting', () => {
    expect(keys.filter((k) => !gateableMetrics.has(k) && !settings.has(k))).toEqual([]);
  });

  it('every gateable metric is a record field', () => {
    expect([...gateableMetrics].filter((m) => !keys.includes(m))).toEqual([]);
  });
});
