import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { CpuUse, HarnessCpu } from '../results/cell-result.js';

const CLK_TCK = 100; // Linux USER_HZ: /proc times are in 1/100 s

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; undefined once it is gone or off Linux. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "(comm)": state is field 3, utime field 14, stime field 15 (1-based, proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** The machine's busy and total CPU seconds over all cores, from /proc/stat's "cpu" line; undefined off Linux. */
export function machineCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (proc(5)); guest time is inside user.
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = v[3]! + v[4]!;
    return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
  } catch {
    return undefined;
  }
}

/**
 * Samples the CPU use of named processes and of the whole machine every
 * periodMs, while a cell's load runs: the validity verdict names a load
 * generator or router that had no CPU left.
 */
export class CpuMonitor {
  private timer?: NodeJS.Timeout;
  private readonly last = new Map<string, { t: number; cpu: number }>();
  private readonly use = new Map<string, number[]>();
  private lastMachine?: { busy: number; total: number };
  private readonly machine: number[] = [];
  private readonly first = new Map<string, { t: number; cpu: number }>();
  private firstMachine?: { busy: number; total: number };

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly periodMs = 1000,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.periodMs);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === undefined) continue;
      const cpu = processCpuSeconds(pid);
      if (cpu === undefined) continue;
      const prev = this.last.get(name);
      if (prev && now > prev.t) {
        const list = this.use.get(name) ?? [];
        list.push((100 * (cpu - prev.cpu)) / ((now - prev.t) / 1000));
        this.use.set(name, list);
      }
      if (!this.first.has(name)) this.first.set(name, { t: now, cpu });
      this.last.set(name, { t: now, cpu });
    }
    const m = machineCpuSeconds();
    if (m) {
      if (this.lastMachine && m.total > this.lastMachine.total) {
        this.machine.push((100 * (m.busy - this.lastMachine.busy)) / (m.total - this.lastMachine.total));
      }
      this.firstMachine ??= m;
      this.lastMachine = m;
    }
  }

  /** Stops sampling and returns what was seen (undefined when nothing could be read: not Linux). */
  stop(): HarnessCpu | undefined {
    if (this.timer) clearInterval(this.timer);
    this.tick();
    const processes: Record<string, CpuUse> = {};
    for (const [name, list] of this.use) {
      const a = this.first.get(name)!;
      const b = this.last.get(name)!;
      if (list.length === 0 || b.t <= a.t) continue;
      processes[name] = { meanPct: round1((100 * (b.cpu - a.cpu)) / ((b.t - a.t) / 1000)), maxPct: round1(Math.max(...list)) };
    }
    const f = this.firstMachine;
    const l = this.lastMachine;
    if (!f || !l || l.total <= f.total) return undefined;
    return {
      cores: availableParallelism(),
      processes,
      machineBusyPct: { meanPct: round1((100 * (l.busy - f.busy)) / (l.total - f.total)), maxPct: round1(Math.max(0, ...this.machine)) },
    };
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
