import { describe, expect, it } from 'vitest';
import { D, L, problems, scratchDir } from './matrix-helpers.js';

const dir = scratchDir();

describe('schema errors: file:line:col: field.path: expected …, got …', () => {
  it.each([
    ['wrong type (string for an integer)', `name: t\n${D}\n${L}\nrepeats: "two"\n`, `m.yaml:4:10: repeats: expected an integer from 1 to 100, got "two"`],
    [
      'wrong type (list for a mapping)',
      `name: t\ndeployments: [{ name: d, model: m, gpu: [L4] }]\n${L}\n`,
      `m.yaml:2:41: deployments[0].gpu: expected a mapping, got a list`,
    ],
    [
      'wrong type (mapping for a list)',
      `name: t\n${D}\nload: { shape: constant, users: { a: 1 }, duration: 1m }\n`,
      `m.yaml:3:33: load.users: expected a non-empty list, got a mapping`,
    ],
    [
      'a number where a string goes',
      `name: t\ndeployments: [{ name: d, model: 5, gpu: { type: L4 } }]\n${L}\n`,
      `m.yaml:2:33: deployments[0].model: expected a non-empty string, got 5`,
    ],
    [
      'a fractional user count',
      `name: t\n${D}\nload: { shape: constant, users: [4, 2.5], duration: 1m }\n`,
      `m.yaml:3:37: load.users[1]: expected a positive integer, got 2.5`,
    ],
    [
      'a name with capitals and a space',
      `name: My Matrix\n${D}\n${L}\n`,
      `m.yaml:1:7: name: expected a name of lower-case letters, digits, ".", "_" or "-" (at most 63), got "My Matrix"`,
    ],
    [
      'unknown top-level field with a suggestion',
      `name: t\ndescripton: x\n${D}\n${L}\n`,
      `m.yaml:2:1: unknown field "descripton"; did you mean "description"?`,
    ],
    ['unknown field without a close match', `name: t\ncolour: red\n${D}\n${L}\n`, `m.yaml:2:1: unknown field "colour"`],
    [
      'typo at depth 3, required field then missing',
      `name: t\ndeployments:\n  - name: d\n    model: m\n    gpu: { typ: L4 }\n${L}\n`,
      `m.yaml:5:10: deployments[0].gpu.type: expected a non-empty string, got nothing\nm.yaml:5:12: deployments[0].gpu: unknown field "typ"; did you mean "type"?`,
    ],
    [
      'unknown field at depth 6',
      `name: t\n${D}\nautoscalers:\n  - name: c\n    kind: hpa-cpu\n    target_utilization: 70\n    behavior:\n      scale_up:\n        policies:\n          - { type: Pods, value: 1, perod: 15s }\n${L}\n`,
      `m.yaml:10:13: autoscalers[0].behavior.scale_up.policies[0].period: expected a duration with a unit, such as "500ms", "30s" or "5m", got nothing\nm.yaml:10:37: autoscalers[0].behavior.scale_up.policies[0]: unknown field "perod"; did you mean "period"?`,
    ],
    [
      'keda threshold misspelt',
      `name: t\n${D}\nautoscalers:\n  - name: k\n    kind: keda\n    query: sum(x)\n    thresold: 5\n${L}\n`,
      `m.yaml:4:5: autoscalers[0].threshold: expected a positive number, got nothing\nm.yaml:7:5: autoscalers[0]: unknown field "thresold"; did you mean "threshold"?`,
    ],
    [
      'autoscaler without its threshold',
      `name: t\n${D}\nautoscalers: [{ name: k, kind: keda, query: sum(x) }]\n${L}\n`,
      `m.yaml:3:15: autoscalers[0].threshold: expected a positive number, got nothing`,
    ],
    [
      'unknown autoscaler kind',
      `name: t\n${D}\nautoscalers: [{ name: a, kind: hpa }]\n${L}\n`,
      `m.yaml:3:32: autoscalers[0].kind: expected kind to be one of "fixed" | "hpa-cpu" | "hpa-custom" | "keda", got "hpa"`,
    ],
    [
      'autoscaler kind misspelt',
      `name: t\n${D}\nautoscalers: [{ name: a, kind: keeda, query: q, threshold: 1 }]\n${L}\n`,
      `m.yaml:3:32: autoscalers[0].kind: expected kind to be one of "fixed" | "hpa-cpu" | "hpa-custom" | "keda", got "keeda"; did you mean "keda"?`,
    ],
    [
      'autoscaler without a kind',
      `name: t\n${D}\nautoscalers:\n  - name: a\n    target_utilization: 70\n${L}\n`,
      `m.yaml:4:5: autoscalers[0].kind: expected kind to be one of "fixed" | "hpa-cpu" | "hpa-custom" | "keda", got nothing`,
    ],
    [
      'unknown load shape',
      `name: t\n${D}\nload: { shape: steps, users: [4], duration: 1m }\n`,
      `m.yaml:3:16: load.shape: expected shape to be one of "constant" | "step" | "spike" | "ramp" | "arrival-rate" | "trace", got "steps"; did you mean "step"?`,
    ],
    [
      'unknown workload profile',
      `name: t\nworkload: { profile: chat }\n${D}\n${L}\n`,
      `m.yaml:2:22: workload.profile: expected one of "chatbot" | "code-generation" | "summarization" | "long-context" | "tiny", got "chat"`,
    ],
    [
      'enum in the wrong case',
      `name: t\n${D}\nautoscalers:\n  - name: c\n    kind: hpa-cpu\n    target_utilization: 70\n    behavior: { scale_down: { policies: [{ type: percent, value: 10, period: 1m }] } }\n${L}\n`,
      `m.yaml:7:50: autoscalers[0].behavior.scale_down.policies[0].type: expected one of "Pods" | "Percent", got "percent"; did you mean "Percent"?`,
    ],
    ['empty deployments list', `name: t\ndeployments: []\n${L}\n`, `m.yaml:2:14: deployments: expected a non-empty list, got an empty list`],
    [
      'empty users list',
      `name: t\n${D}\nload: { shape: constant, users: [], duration: 1m }\n`,
      `m.yaml:3:33: load.users: expected a non-empty list, got an empty list`,
    ],
    [
      'zero duration',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 0s }\n`,
      `m.yaml:3:48: load.duration: expected a duration greater than zero, got "0s"`,
    ],
    [
      'negative duration',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 1m, warmup: -5s }\n`,
      `m.yaml:3:60: load.warmup: expected a duration with a unit, such as "500ms", "30s" or "5m", got "-5s"`,
    ],
    [
      'duration without unit (a number)',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 30 }\n`,
      `m.yaml:3:48: load.duration: expected a duration with a unit, such as "500ms", "30s" or "5m", got 30`,
    ],
    [
      'duration without unit (a string)',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: "30" }\n`,
      `m.yaml:3:48: load.duration: expected a duration with a unit, such as "500ms", "30s" or "5m", got "30"`,
    ],
    [
      'duration with a space',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 30 s }\n`,
      `m.yaml:3:48: load.duration: expected a duration with a unit, such as "500ms", "30s" or "5m", got "30 s"`,
    ],
    [
      'SLO without unit',
      `name: t\nslo: { ttft_ms_p95: 500, tpot_ms_p95: 50ms }\n${D}\n${L}\n`,
      `m.yaml:2:21: slo.ttft_ms_p95: expected a duration with a unit, such as "500ms", "30s" or "5m", got 500`,
    ],
    [
      'settle neither a duration nor until-idle',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 1m, settle: idle }\n`,
      `m.yaml:3:60: load.settle: expected a duration with a unit, such as "500ms", "30s" or "5m", or "until-idle", got "idle"`,
    ],
    [
      'settle a number',
      `name: t\n${D}\nload: { shape: constant, users: [4], duration: 1m, settle: 10 }\n`,
      `m.yaml:3:60: load.settle: expected a duration with a unit, such as "500ms", "30s" or "5m", or "until-idle", got 10`,
    ],
    ['time_scale above 1', `name: t\n${D}\n${L}\ntime_scale: 2\n`, `m.yaml:4:13: time_scale: expected a number > 0 and <= 1, got 2`],
    ['time_scale zero', `name: t\n${D}\n${L}\ntime_scale: 0\n`, `m.yaml:4:13: time_scale: expected a number > 0 and <= 1, got 0`],
    ['repeats above 100', `name: t\n${D}\n${L}\nrepeats: 500\n`, `m.yaml:4:10: repeats: expected an integer from 1 to 100, got 500`],
    [
      'arrival-rate without rates',
      `name: t\n${D}\nload: { shape: arrival-rate, duration: 1m }\n`,
      `m.yaml:3:7: load.rates: expected a non-empty list, got nothing`,
    ],
    [
      'an empty value',
      `name: t\ndeployments:\n  - name: d\n    model: m\n    gpu: { type: L4 }\n    replicas:\n${L}\n`,
      `m.yaml:6:5: deployments[0].replicas: expected a mapping, got nothing`,
    ],
    [
      'a bad URL',
      `name: t\ntarget: { kind: kubernetes, namespace: b, url: not a url }\n${D}\n${L}\n`,
      `m.yaml:2:48: target.url: expected a URL, got "not a url"`,
    ],
    [
      'required top-level fields missing',
      `name: t\n`,
      `m.yaml:1:1: deployments: expected a non-empty list, got nothing\nm.yaml:1:1: load: expected a mapping, got nothing`,
    ],
    ['an empty file', ``, `m.yaml:1:1: expected a mapping, got nothing`],
    ['a list instead of a matrix', `- name: t\n`, `m.yaml:1:1: expected a mapping, got a list`],
    [
      'several problems, in file order',
      `load: { shape: ramp, users: [0], duration: 1m }\nname: T\n${D}\nextra: 1\n`,
      `m.yaml:1:30: load.users[0]: expected a positive integer, got 0\nm.yaml:2:7: name: expected a name of lower-case letters, digits, ".", "_" or "-" (at most 63), got "T"\nm.yaml:4:1: unknown field "extra"`,
    ],
  ])('%s', (_, yaml, expected) => {
    expect(problems(dir, yaml)).toBe(expected);
  });
});
