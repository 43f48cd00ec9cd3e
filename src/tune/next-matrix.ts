import { isMap, isSeq, parseDocument } from 'yaml';
import type { Targets } from '../recommend/targets.js';
import { UserError } from '../util/errors.js';

/**
 * The next matrix: the run's own matrix file with its autoscalers' targets
 * replaced by the tuned ones (comments and everything else kept). hpa-custom
 * becomes a Pods target on running requests; keda gets the tuned metric in
 * its query and the tuned threshold; hpa-cpu and fixed stay as they were.
 * Pure: text in, text out.
 */

const METRICS = /vllm:num_requests_(waiting|running)/g;
const HAS_METRIC = /vllm:num_requests_(waiting|running)/;

export function nextMatrix(text: string, source: string, targets: Targets, name?: string): { text: string; changes: string[] } {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UserError(`${source}: cannot read the run's matrix again: ${doc.errors[0]!.message}`);
  const autoscalers = doc.get('autoscalers');
  const changes: string[] = [];
  if (!isSeq(autoscalers))
    throw new UserError(`${source}: autoscalers: the run's matrix has none to tune; add hpa-custom or keda autoscalers and run it again`);
  for (const item of autoscalers.items) {
    if (!isMap(item)) continue;
    const a = item;
    const label = String(a.get('name'));
    switch (a.get('kind')) {
      case 'hpa-custom':
        changes.push(`${label}: ${a.get('metric')} ${a.get('target')} → vllm:num_requests_running ${targets.hpaRunning}`);
        a.set('metric', 'vllm:num_requests_running');
        a.set('target', targets.hpaRunning);
        a.delete('query');
        break;
      case 'keda': {
        const query = String(a.get('query'));
        const next = HAS_METRIC.test(query) ? query.replace(METRICS, targets.keda.metric) : `sum(${targets.keda.metric}{namespace="scalebench"})`;
        changes.push(`${label}: ${query} > ${a.get('threshold')} → ${next} > ${targets.keda.threshold}`);
        a.set('query', next);
        a.set('threshold', targets.keda.threshold);
        break;
      }
      default:
        break;
    }
  }
  if (changes.length === 0) throw new UserError(`${source}: autoscalers: none of kind hpa-custom or keda, so there is no target to tune`);
  if (name) doc.set('name', name);
  return { text: doc.toString(), changes };
}
