import { describe, expect, it } from 'vitest';
import { testRunIndex, testRunSelector } from '../../src/targets/kubernetes/testrun-read.js';

const pod = (labels: Record<string, string>) => ({ metadata: { name: 'p', labels } });

describe("a k6-operator TestRun's runner pods", () => {
  it("are selected by the operator's labels (pkg/resources/jobs helpers.go newLabels, runner=true)", () => {
    expect(testRunSelector('op-load-8')).toBe('app=k6,k6_cr=op-load-8,runner=true');
  });

  it("are numbered by their Job's name <testrun>-<i>, i from 1", () => {
    expect(testRunIndex(pod({ 'batch.kubernetes.io/job-name': 'op-load-8-1' }), 'op-load-8')).toBe(0);
    expect(testRunIndex(pod({ 'job-name': 'op-load-8-12' }), 'op-load-8')).toBe(11);
  });

  it("are not another TestRun's (a name that only starts the same), its initializer's or starter's", () => {
    expect(testRunIndex(pod({ 'job-name': 'op-load-8-initializer' }), 'op-load-8')).toBe(-1);
    expect(testRunIndex(pod({ 'job-name': 'op-load-8-starter' }), 'op-load-8')).toBe(-1);
    expect(testRunIndex(pod({ 'job-name': 'op-load-80-1' }), 'op-load-8')).toBe(-1);
    expect(testRunIndex(pod({ 'job-name': 'op-load-8-0' }), 'op-load-8')).toBe(-1);
    expect(testRunIndex(pod({}), 'op-load-8')).toBe(-1);
  });
});
