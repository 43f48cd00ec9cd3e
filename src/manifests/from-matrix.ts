import type { Catalog } from '../catalog/catalog.js';
import type { ResolvedMatrix } from '../matrix/types.js';
import { generateSet, type GeneratedSet } from './bundle.js';
import { manifestDefaults } from './defaults.js';
import type { ManifestOptions } from './types.js';

/**
 * A matrix's manifests: the matrix says the SLOs and, for a kubernetes
 * target, the namespace, Prometheus and serving form; the caller's options say the rest
 * (serving form, image, secret, labels), over manifestDefaults.
 */
export function optionsForMatrix(m: ResolvedMatrix, over: Partial<ManifestOptions> = {}): ManifestOptions {
  const fromTarget: Partial<ManifestOptions> = {};
  if (m.target.kind === 'kubernetes') {
    fromTarget.namespace = m.target.namespace;
    if (m.target.prometheusUrl !== undefined) fromTarget.prometheusUrl = m.target.prometheusUrl;
    if (m.target.serving !== undefined) fromTarget.serving = m.target.serving;
  }
  const defined = Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)) as Partial<ManifestOptions>;
  return { ...manifestDefaults.options, slo: m.slo, ...fromTarget, ...defined };
}

/** Every deployment × autoscaler of the matrix (pre-deploy checks first; see generateSet). */
export function generateForMatrix(catalog: Catalog, m: ResolvedMatrix, over: Partial<ManifestOptions> = {}): GeneratedSet {
  return generateSet({ deployments: m.deployments, autoscalers: m.autoscalers, options: optionsForMatrix(m, over), catalog });
}
