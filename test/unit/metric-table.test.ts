import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../../src/matrix/expand.js';
import { writeReport } from '../../src/report/write.js';
import { sloFlag } from '../../src/cli/recommend.js';
import { projectRoot } from '../../src/util/tools.js';
import { cellMetrics, metricNameProblem, metricNames, metrics, promqlOf, promSampleMetrics, sampleMetrics } from '../../src/vocabulary/metrics.js';
import { writeFixtureRun } from '../report-fixture.js';

/**
 * The metric table drives the files: every numeric record field is a cell
 * figure of the table or a setting named here (not a result), and every cell
 * figure is a field of every record, a column of summary.csv; every sample
 * figure a column of timeseries.csv.
 */
const settings = new Set([
  'repeat',
  'engine_version',
  'gpus_per_replica',
  'tensor_parallel',
  'replicas_min',
  'replicas_max',
  'max_num_seqs',
  'max_model_len',
  'max_num_batched_tokens',
  'gpu_memory_utilization',
  'gpu_cost_usd_per_hour',
  'prompt_tokens_target',
  'output_tokens_target',
  'level',
  'duration_s',
  'warmup_s',
]);

describe('the metric table', () => {
  const run = writeFixtureRun(mkdtempSync(join(tmpdir(), 'scalebench-metric-table-')));
  writeReport(run, expandCells(run.record.matrix));
  const read = (name: string): string => readFileSync(join(run.root, name), 'utf8');
  const record = JSON.parse(read('records.jsonl').split('\n')[0]!) as Record<string, unknown>;
  const header = (name: string): string[] => read(name).split('\n')[0]!.split(',');

  it('names every numeric record field that is not a setting, and every cell figure is in every record', () => {
    const numeric = Object.keys(record).filter((k) => typeof record[k] === 'number' || record[k] === null);
    expect(
      numeric.filter(
        (k) =>
          !settings.has(k) &&
          !(cellMetrics as readonly string[]).includes(k) &&
          !k.startsWith('slo_pass_') &&
          k !== 'server_ttft_excludes_queue' &&
          k !== 'saturation' &&
          k !== 'validity' &&
          k !== 'validity_reasons' &&
          k !== 'error_sources',
      ),
    ).toEqual([]);
    expect(cellMetrics.filter((m) => !(m in record))).toEqual([]);
  });

  it('gives summary.csv and timeseries.csv their columns, under the same names', () => {
    const summary = header('summary.csv');
    expect(cellMetrics.filter((m) => !summary.includes(m))).toEqual([]);
    const series = header('timeseries.csv');
    expect(sampleMetrics.filter((m) => !series.includes(m))).toEqual([]);
  });

  it('names follow <quantity>_<unit>_<statistic>: no unit after a statistic', () => {
    expect(metricNames.filter((n) => /_(mean|p\d\d|max|stdev)_(ms|s|pct|rps)$/.test(n))).toEqual([]);
    expect(metricNames.filter((n) => metrics[n].unit === 'ms' && !/_ms(_|$)/.test(n))).toEqual([]);
  });

  it('gives the sampler one PromQL query per server sample figure, in seconds scaled to ms', () => {
    expect(promSampleMetrics).toContain('server_ttft_ms_p95');
    expect(promqlOf('server_ttft_ms_p95', 'pod=~"a-.*"', '10s')).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{pod=~"a-.*"}[10s])))',
    );
    expect(metrics.server_ttft_ms_p95.promql?.scale).toBe(1000);
    expect(metrics.running.promql?.scale).toBe(1);
    expect(sampleMetrics.filter((m) => metrics[m].source === 'server' && !metrics[m].promql)).toEqual([]);
  });

  it('refuses an unknown name, and a per-sample name where a per-cell one is meant', () => {
    expect(metricNameProblem('ttft_ms_p95')).toBeUndefined();
    expect(metricNameProblem('ttft_p95_ms')).toMatch(/^unknown metric "ttft_p95_ms"; did you mean "ttft_ms_p95"\?/);
    expect(metricNameProblem('running')).toBe('"running" is a per-sample figure, not a per-cell one');
  });

  it('grep finds each figure of the old spellings nowhere in src/ (one name per figure)', () => {
    const found = (pattern: string): string => {
      try {
        return execFileSync('git', ['grep', '-n', '-E', pattern, '--', 'src', 'matrices', 'gates', 'README.md'], { cwd: projectRoot, encoding: 'utf8' });
      } catch {
        return '';
      }
    };
    expect(found('(ttft|tpot|e2e|itl)_(p50|p90|p95|p99|mean)_ms|(ttft|tpot|e2e)P95Ms|\\b(ttft|tpot|e2e)_p95\\b')).toBe('');
  });
});

describe('recommend --slo', () => {
  it('takes objectives by their table names; anything else names the flag and the fix', () => {
    expect(sloFlag('ttft_ms_p95=150ms')).toEqual(['ttft_ms_p95', 150]);
    expect(sloFlag('e2e_ms_p95=7s')).toEqual(['e2e_ms_p95', 7000]);
    expect(() => sloFlag('ttft_p95=150ms')).toThrow(
      '--slo ttft_p95=150ms: "ttft_p95" is not an objective; the objectives are ttft_ms_p95, tpot_ms_p95, e2e_ms_p95',
    );
    expect(() => sloFlag('ttft_ms_p99=150ms')).toThrow(
      '--slo ttft_ms_p99=150ms: "ttft_ms_p99" is not an objective; the objectives are ttft_ms_p95, tpot_ms_p95, e2e_ms_p95',
    );
    expect(() => sloFlag('ttft_ms_p95=150')).toThrow(/expected a duration with a unit after "="/);
    expect(() => sloFlag('ttft_ms_p95')).toThrow(/expected <objective>=<duration>/);
  });
});
