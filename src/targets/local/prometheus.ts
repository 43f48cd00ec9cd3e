import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProc, type Proc } from '../../util/proc.js';
import { freePort, sleep } from '../../util/ports.js';
import { UserError } from '../../util/errors.js';

/** One scrape target with the labels a cluster would give its pod. */
export interface ScrapeTarget {
  address: string;
  labels: { namespace: string; pod: string; [label: string]: string };
}

/** Prometheus configuration scraping the replicas through file-based service discovery. */
export function prometheusConfig(scrapeIntervalMs: number, targetsFile: string): Record<string, unknown> {
  const interval = `${Math.max(100, Math.round(scrapeIntervalMs))}ms`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    scrape_configs: [
      {
        job_name: 'vllm',
        metrics_path: '/metrics',
        file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
      },
    ],
  };
}

/** The file_sd document: one group per target so each keeps its own labels. */
export function fileSdTargets(targets: readonly ScrapeTarget[]): Array<{ targets: string[]; labels: Record<string, string> }> {
  return targets.map((t) => ({ targets: [t.address], labels: { ...t.labels } }));
}

/** A Prometheus server of our own on a loopback port, with scratch storage. */
export class LocalPrometheus {
  private constructor(
    readonly url: string,
    private readonly proc: Proc,
    private readonly dir: string,
    private readonly targetsFile: string,
  ) {}

  static async start(binary: string, scrapeIntervalMs: number, logFile: string): Promise<LocalPrometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'scalebench-prom-'));
    const targetsFile = join(dir, 'targets.json');
    writeFileSync(targetsFile, '[]\n');
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, stringify(prometheusConfig(scrapeIntervalMs, targetsFile)));
    const port = await freePort();
    const proc = await startProc({
      name: 'prometheus',
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      logFile,
    });
    const prom = new LocalPrometheus(`http://127.0.0.1:${port}`, proc, dir, targetsFile);
    await prom.waitReady(30_000, logFile);
    return prom;
  }

  private async waitReady(timeoutMs: number, logFile: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.done) break;
      try {
        const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        /* starting */
      }
      await sleep(100);
    }
    await this.stop();
    throw new UserError(`prometheus did not become ready within ${timeoutMs / 1000}s: see ${logFile}`, 3);
  }

  /** Replaces the scrape targets (atomically: Prometheus never reads half a file). */
  setTargets(targets: readonly ScrapeTarget[]): void {
    const tmp = `${this.targetsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(fileSdTargets(targets)));
    renameSync(tmp, this.targetsFile);
  }

  get alive(): boolean {
    return !this.proc.done;
  }

  async stop(): Promise<void> {
    await this.proc.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
