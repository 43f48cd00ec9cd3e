import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGateFile } from '../../src/gate/gate-file.js';
import { projectRoot } from '../../src/util/tools.js';
import { scratchDir } from './matrix-helpers.js';

describe('gate files', () => {
  it('gates/default.yaml parses, with defaults for what it leaves out', () => {
    const rules = readGateFile(join(projectRoot, 'gates', 'default.yaml'));
    expect(rules.map((r) => r.metric)).toEqual(['ttft_ms_p95', 'tpot_ms_p95', 'e2e_ms_p95', 'slo_attainment', 'achieved_rps', 'replica_seconds']);
    expect(rules[4]).toEqual({ metric: 'achieved_rps', better: 'higher', relTolerance: 0.05, absTolerance: 0, confidence: 0.95 });
  });

  it('a bad rule names the file and field', () => {
    const file = join(scratchDir(), 'bad.yaml');
    writeFileSync(file, 'rules:\n  - { metric: ttft_ms_p95, better: smaller }\n');
    expect(() => readGateFile(file)).toThrow(/bad\.yaml: rules\[0\]\.better: /);
  });
});
