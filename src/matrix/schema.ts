import { z } from 'zod';
import { parseDuration } from '../util/duration.js';
import { profileNames } from '../load/profiles.js';
import { objectives, type Objective } from '../vocabulary/metrics.js';

/**
 * The matrix as people write it (MatrixInput): one zod schema, the single
 * source of the TypeScript type and of matrices/schema.json. Everything
 * optional here gets its default in defaults.ts, applied by resolve.ts.
 * Unknown fields are errors everywhere (strict objects).
 */

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a name of lower-case letters, digits, ".", "_" or "-" (at most 63)');

const expectedDuration = 'expected a duration with a unit, such as "500ms", "30s" or "5m"';
/** A duration with its unit: "500ms", "30s", "5m", "1h", "1m30s". A bare number is an error, with the same message. */
export const duration = z
  .string({ error: expectedDuration })
  .refine((s) => parseDuration(s) !== undefined, expectedDuration)
  .meta({ description: 'A duration with its unit, e.g. "500ms", "30s", "5m".', examples: ['30s', '500ms'] });

const positiveDuration = duration.refine((s) => (parseDuration(s) ?? 0) > 0, 'expected a duration greater than zero');

const int = (min: number) => z.number().int().min(min);

const slo = z
  .strictObject(Object.fromEntries(objectives.map((o) => [o, positiveDuration.optional()])) as Record<Objective, z.ZodOptional<typeof positiveDuration>>)
  .meta({ description: 'Service-level objectives on client-side p95 latencies, by their names in the metric table; any subset.' });

const tokenDist = z.strictObject({
  dist: z
    .enum(['normal', 'lognormal'])
    .optional()
    .meta({ description: 'The distribution of lengths: normal (clamped) or lognormal with this mean and stdev. @default "normal"' }),
  mean: z.number().positive(),
  stdev: z.number().nonnegative().optional(),
  min: int(1).optional(),
  max: int(1).optional(),
});

const workload = z.strictObject({
  profile: z.enum(profileNames).meta({ description: 'A named workload profile (prompt → output token shape).' }),
  prompt_tokens: tokenDist.optional(),
  output_tokens: tokenDist.optional(),
  conversation: z
    .strictObject({
      turns: int(2).meta({ description: 'Turns per session; each turn carries the whole history.' }),
      think_time: duration.optional().meta({ description: 'Pause between a reply and the next turn. @default 0s' }),
      system_prompt_tokens: int(0).optional().meta({ description: 'A system prompt every session shares (a cached prefix). @default 0' }),
    })
    .optional()
    .meta({
      description:
        'Closed-loop loads: each user runs sessions of several turns (prompt_tokens is each new user message); the simulator runs with its KV cache, so prefix hits show as cached tokens.',
    }),
  seed: z.number().int().optional(),
});

const simulator = z
  .strictObject({
    ttft: duration.optional(),
    ttft_stdev: duration.optional(),
    itl: duration.optional(),
    itl_stdev: duration.optional(),
    time_factor_under_load: z.number().min(1).optional(),
    startup: duration.optional(),
    failure_rate: z.number().min(0).max(100).optional(),
    max_waiting: int(1).optional(),
    command: z.array(z.string()).min(1).optional(),
  })
  .meta({
    description: 'Local target only: overrides for the simulated replicas. By default their latencies come from the roofline model of the GPU and model.',
  });

/** How a replica shares its GPU (src/sizing/sharing.ts); absent: whole GPUs. */
const gpuSharing = z
  .discriminatedUnion('mode', [
    z.strictObject({
      mode: z.literal('mig'),
      profile: z
        .string()
        .regex(/^\d+g\.\d+gb$/, 'expected a MIG profile such as "1g.10gb" or "3g.40gb"')
        .meta({ description: 'A MIG profile of data/accelerators.json; the replica requests nvidia.com/mig-<profile> (device plugin "mixed" strategy).' }),
    }),
    z.strictObject({
      mode: z.literal('time-slice'),
      replicas: int(2)
        .max(64)
        .meta({ description: "The device plugin's time-slicing replicas: how many pods share one GPU (each gets its share under contention)." }),
    }),
    z.strictObject({
      mode: z.literal('partition'),
      compute: z.enum(['SPX', 'CPX']).meta({ description: 'AMD compute partitioning: SPX (one partition) or CPX (one per XCD).' }),
      memory: z.enum(['NPS1', 'NPS4']).meta({ description: 'AMD memory partitioning (NUMA per socket).' }),
    }),
  ])
  .meta({ description: 'GPU sharing: a MIG slice, a time-sliced GPU, or an AMD compute/memory partition. Absent: whole GPUs.' });

const deployment = z.strictObject({
  name,
  model: z.string().min(1),
  recipe: z.string().min(1).optional(),
  gpu: z.strictObject({ type: z.string().min(1), count: int(1).optional(), sharing: gpuSharing.optional() }),
  vllm: z
    .strictObject({
      max_num_seqs: int(1).optional(),
      max_model_len: int(16).optional(),
      max_num_batched_tokens: int(1).optional(),
      gpu_memory_utilization: z.number().gt(0).lte(1).optional(),
      enable_prefix_caching: z.boolean().optional(),
      extra_args: z.array(z.string()).optional(),
    })
    .optional(),
  replicas: z.strictObject({ start: int(0).optional(), min: int(0).optional(), max: int(1).optional() }).optional(),
  cpu_request: z
    .string()
    .regex(/^\d+(\.\d+)?m?$/, 'expected a CPU quantity such as "500m" or "2"')
    .optional(),
  simulator: simulator.optional(),
});

const behaviorPolicy = z.strictObject({ type: z.enum(['Pods', 'Percent']), value: int(1), period: positiveDuration });
const behaviorRules = z.strictObject({
  stabilization_window: duration.optional(),
  select_policy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(behaviorPolicy).min(1).optional(),
});
const behavior = z.strictObject({ scale_up: behaviorRules.optional(), scale_down: behaviorRules.optional() });

const hpaCommon = { name, sync_period: positiveDuration.optional(), tolerance: z.number().min(0).max(1).optional(), behavior: behavior.optional() };

const autoscaler = z.discriminatedUnion('kind', [
  z.strictObject({ name, kind: z.literal('fixed') }),
  z.strictObject({ ...hpaCommon, kind: z.literal('hpa-cpu'), target_utilization: int(1).max(1000) }),
  z.strictObject({
    ...hpaCommon,
    kind: z.literal('hpa-custom'),
    metric: z.string().min(1).meta({ description: 'Series name, e.g. vllm:num_requests_waiting (served per pod as vllm_num_requests_waiting).' }),
    target: z.number().positive().meta({ description: 'Per-pod AverageValue target.' }),
    query: z.string().min(1).optional().meta({ description: 'A prometheus-adapter metricsQuery template overriding the default sum by pod.' }),
  }),
  z.strictObject({
    ...hpaCommon,
    kind: z.literal('keda'),
    query: z.string().min(1),
    threshold: z.number().positive(),
    activation_threshold: z.number().min(0).optional(),
    polling_interval: positiveDuration.optional(),
    cooldown_period: duration.optional(),
    min_replicas: int(0).optional(),
    idle_replicas: int(0).optional(),
    fallback: z
      .strictObject({
        failure_threshold: int(0).meta({ description: 'Failures beyond this many serve the fallback (KEDA: 0 is valid, the first failure).' }),
        replicas: int(1),
      })
      .optional(),
  }),
]);

const shapeCommon = {
  users: z.array(int(1)).min(1).optional(),
  duration: positiveDuration,
  warmup: duration.optional(),
  settle: z.union([duration, z.literal('until-idle')]).optional(),
  max_requests: int(1).optional(),
};

const arrival = z
  .discriminatedUnion('process', [
    z.strictObject({ process: z.literal('uniform') }),
    z.strictObject({ process: z.literal('poisson') }),
    z.strictObject({
      process: z.literal('gamma'),
      cv: z.number().positive().meta({ description: 'Coefficient of variation of the gaps (1: Poisson; above 1: burstier).' }),
    }),
    z.strictObject({ process: z.literal('on-off'), on: positiveDuration, off: positiveDuration }),
    z.strictObject({ process: z.literal('diurnal'), period: positiveDuration, amplitude: z.number().min(0).max(1) }),
  ])
  .meta({
    description:
      'How requests arrive around the rate: uniform (k6 constant-arrival-rate, the default), Poisson, gamma with a CV, on/off bursts, a diurnal sine. Seeded by workload.seed and the repeat; the realised schedule is written with the cell.',
  });

const load = z.discriminatedUnion('shape', [
  z.strictObject({ ...shapeCommon, shape: z.literal('constant') }),
  z.strictObject({
    ...shapeCommon,
    shape: z.literal('step'),
    low: z.number().gt(0).lt(1).optional().meta({ description: 'Users before and after the step, as a fraction of the level. @default 0.25' }),
  }),
  z.strictObject({
    ...shapeCommon,
    shape: z.literal('spike'),
    low: z.number().gt(0).lt(1).optional(),
    spike: positiveDuration.optional(),
  }),
  z.strictObject({ ...shapeCommon, shape: z.literal('ramp') }),
  z.strictObject({
    ...shapeCommon,
    shape: z.literal('arrival-rate'),
    rates: z.array(z.number().positive()).min(1).meta({ description: 'Requests per second, one load level each.' }),
    max_vus: int(1).optional(),
    arrival: arrival.optional(),
  }),
  z.strictObject({
    duration: positiveDuration,
    warmup: duration.optional(),
    settle: z.union([duration, z.literal('until-idle')]).optional(),
    max_requests: int(1).optional(),
    shape: z.literal('trace'),
    trace: z.string().min(1).meta({
      description:
        'A request trace replayed open-loop: Azure LLM inference CSV, BurstGPT CSV, or JSON lines (t_ms, prompt_tokens, output_tokens, session). Relative to the matrix file.',
    }),
    format: z.enum(['azure', 'burstgpt', 'jsonl']).optional().meta({ description: 'The trace layout; told from the file when absent.' }),
    from: duration.optional().meta({ description: 'Where in the trace the cell starts (trace time). @default 0' }),
    speedup: z
      .number()
      .positive()
      .optional()
      .meta({ description: 'Trace time played per second of the cell (a day in a cell: 1440 for a minute). @default 1' }),
    levels: z
      .array(z.number().positive())
      .min(1)
      .optional()
      .meta({ description: "Rate multipliers, one load level each: the trace's rate × level. @default [1]" }),
    max_vus: int(1).optional().meta({ description: 'Requests in flight at most (k6 VUs). @default 1000' }),
  }),
]);

const quantity = z.union([z.string().min(1), z.number().nonnegative()]);
const loadRunner = z
  .strictObject({
    runner: z.enum(['local', 'job']).optional().meta({
      description:
        "local: k6 runs where scalebench runs (default); job: each cell's load runs in the cluster as an Indexed Job of `parallelism` pods, their points read back through the API server and merged.",
    }),
    parallelism: int(1).max(100).optional().meta({ description: 'Runner pods of a job (k6 execution segments split users and rates among them). @default 1' }),
    image: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "The runner image: k6 with scalebench's extension (`scalebench image build`, pushed). Required with runner: job." }),
    resources: z
      .strictObject({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() })
      .optional()
      .meta({ description: "The runner container's resources." }),
    node_selector: z.record(z.string(), z.string()).optional().meta({ description: 'Nodes the runner pods may run on.' }),
  })
  .meta({ description: 'Kubernetes target: where the load is generated.' });

export const matrixSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name,
    description: z.string().optional(),
    target: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('local'), scrape_interval: positiveDuration.optional() }),
        z.strictObject({
          kind: z.literal('kubernetes'),
          context: z.string().min(1).optional(),
          namespace: z.string().min(1),
          url: z.url().optional(),
          prometheus_url: z.url().optional(),
          serving: z
            .enum(['deployment', 'kserve', 'kserve-hf'])
            .optional()
            .describe('how the model is served: a Deployment + Service (default), or a KServe InferenceService'),
          create_namespace: z.boolean().optional().describe('create the namespace if it does not exist (default true)'),
          load: loadRunner.optional(),
        }),
      ])
      .optional(),
    slo: slo.optional(),
    workload: workload.optional(),
    deployments: z.array(deployment).min(1),
    autoscalers: z.array(autoscaler).min(1).optional(),
    load,
    repeats: int(1).max(100).optional(),
    sample_interval: positiveDuration.optional(),
    time_scale: z.number().gt(0).lte(1).optional().meta({ description: 'Shortens every period and window by this factor (CI). @default 1' }),
  })
  .meta({ title: 'scalebench matrix', description: 'Deployments × autoscalers × load levels × repeats.' });

export type MatrixInput = z.infer<typeof matrixSchema>;
export type DeploymentInput = z.infer<typeof deployment>;
export type AutoscalerInput = z.infer<typeof autoscaler>;
export type LoadInput = z.infer<typeof load>;
export type BehaviorInput = z.infer<typeof behavior>;
export type GpuSharingInput = z.infer<typeof gpuSharing>;
