/**
 * Workload profiles: prompt and output token length distributions. The four
 * shapes are the upstream recommender's traffic shapes (prompt → output tokens:
 * 512→256, 1024→1024, 4096→512, 10240→1536; reference/recommender.md). Lengths
 * are drawn from a normal distribution with the given stdev, clamped to [min, max].
 */
export interface TokenDistribution {
  mean: number;
  stdev: number;
  min: number;
  max: number;
}

export interface WorkloadProfile {
  description: string;
  prompt: TokenDistribution;
  output: TokenDistribution;
}

const dist = (mean: number, spread = 0.1): TokenDistribution => ({
  mean,
  stdev: Math.round(mean * spread),
  min: Math.max(1, Math.round(mean * (1 - 3 * spread))),
  max: Math.round(mean * (1 + 3 * spread)),
});

export const profiles = {
  chatbot: { description: 'chat: 512 prompt → 256 output tokens', prompt: dist(512), output: dist(256) },
  'code-generation': { description: 'code generation: 1024 → 1024 tokens', prompt: dist(1024), output: dist(1024) },
  summarization: { description: 'summarization / RAG: 4096 → 512 tokens', prompt: dist(4096), output: dist(512) },
  'long-context': { description: 'long document: 10240 → 1536 tokens', prompt: dist(10240), output: dist(1536) },
  tiny: { description: 'tests and smoke runs: 32 → 16 tokens', prompt: dist(32, 0), output: dist(16, 0) },
} as const satisfies Record<string, WorkloadProfile>;

export type ProfileName = keyof typeof profiles;
export const profileNames = Object.keys(profiles) as [ProfileName, ...ProfileName[]];
