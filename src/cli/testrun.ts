import type { Command } from 'commander';
import { summarizePoints } from '../analysis/cell-summary.js';
import { round } from '../analysis/stats.js';
import type { RawPoint } from '../results/points.js';
import { forEachPoint } from '../results/point-lines.js';
import { ClusterClient } from '../targets/kubernetes/cluster-client.js';
import { readTestRun, type TestRunRead } from '../targets/kubernetes/testrun-read.js';
import { parseDuration } from '../util/duration.js';
import { ExitCode, UserError } from '../util/errors.js';

interface ReadFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  out?: string;
  timeout: string;
  json?: boolean;
}

/** The main phase's client figures of the merged points: requests over the span they were sent in. */
export function testRunSummary(read: TestRunRead): ReturnType<typeof summarizePoints> {
  const main: RawPoint[] = [];
  let from = Infinity;
  let to = -Infinity;
  forEachPoint(read.files.points, (p) => {
    if (p.phase !== 'main') return;
    main.push(p);
    from = Math.min(from, p.t);
    to = Math.max(to, p.t + p.e2e_ms);
  });
  return summarizePoints(main, {}, main.length ? Math.max(1, to - from) : 1);
}

/** `scalebench testrun read <name>`: a k6-operator TestRun's runner pods' points, read through the API server and merged. */
export function registerTestRun(program: Command): void {
  const testrun = program.command('testrun').description('k6-operator TestRuns made by `generate --k6-operator`');
  testrun
    .command('read')
    .description(
      "follow a TestRun's runner pods' logs through the API server until they end, merge their points in time order and summarise them (points.jsonl, runner-pods.json)",
    )
    .argument('<name>', 'the TestRun (metadata.name), e.g. from k6-operator/<name>.yaml')
    .option('-n, --namespace <ns>', "the TestRun's namespace (default: the kubeconfig context's, else default)")
    .option('--kubeconfig <file>', 'the kubeconfig (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'a kubeconfig context other than the current one')
    .option('--out <dir>', 'where the merged points go (default: testrun-<name>)')
    .option('--timeout <duration>', 'how long to wait for the pods to appear and end', '30m')
    .option('--json', 'print the outcome as JSON on stdout (progress stays on stderr)')
    .action(async (name: string, flags: ReadFlags) => {
      const timeoutMs = parseDuration(flags.timeout);
      if (timeoutMs === undefined || timeoutMs <= 0) throw new UserError(`--timeout ${flags.timeout}: expected a duration such as 90s, 30m or 2h`);
      const client = ClusterClient.load({
        ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.context ? { context: flags.context } : {}),
      });
      const namespace = flags.namespace ?? client.kc.getContextObject(client.kc.getCurrentContext())?.namespace ?? 'default';
      const controller = new AbortController();
      const onSignal = (): void => {
        process.stderr.write('\nstopping: writing the points read so far…\n');
        controller.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let read: TestRunRead;
      try {
        read = await readTestRun({
          client,
          namespace,
          name,
          outDir: flags.out ?? `testrun-${name}`,
          timeoutMs,
          progress: (line) => process.stderr.write(`${line}\n`),
          signal: controller.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const s = testRunSummary(read);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...read, client: s }, null, 2)}\n`);
      } else {
        const lines = [
          `TestRun ${namespace}/${name}: ${read.points} points from ${read.runnerPods.pods.length} runner pods, merged into ${read.files.points}`,
          ...read.runnerPods.pods.map(
            (p) =>
              `  ${p.name}: ${p.phase}, ${p.requests} requests (${p.errors} failed)${p.ended ? '' : ', no end line'}${p.startLagMs !== undefined ? `, started ${p.startLagMs} ms after the first` : ''}${p.reason ? ` — ${p.reason}` : ''}`,
          ),
          `  skew: starts ${read.runnerPods.skew.startSpreadMs} ms apart, wall clocks stepped up to ${read.runnerPods.skew.clockStepMaxMs} ms`,
          `  main phase: ${s.requests} requests, ${s.errors} failed, ${round(s.rps, 1)} requests/s; TTFT p50 ${s.ttftMs.p50 ?? '–'} ms, p95 ${s.ttftMs.p95 ?? '–'} ms; TPOT p95 ${s.tpotMs.p95 ?? '–'} ms; E2E p95 ${s.e2eMs.p95 ?? '–'} ms`,
        ];
        if (read.incomplete) lines.push(`incomplete: ${read.incomplete}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (read.incomplete) process.exitCode = controller.signal.aborted ? ExitCode.interrupted : ExitCode.runFailed;
    });
}
