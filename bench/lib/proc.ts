// Process and machine sampling from /proc (Linux only): broker CPU ticks, RSS, machine busy time.
import { readFileSync, readdirSync } from 'node:fs';

export const CLK_TCK = 100; // USER_HZ; 100 on every mainstream Linux build

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

/** utime + stime of one process in seconds, or undefined if it is gone. */
export function procCpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15 of proc(5)
}

/** VmRSS of one process in MB, or undefined if it is gone. */
export function procRssMb(pid: number): number | undefined {
  const status = read(`/proc/${pid}/status`);
  const m = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

/** `pid` and all of its descendants (a launcher such as tsx may run the broker in a child process). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try { entries = readdirSync('/proc'); } catch { return [pid]; }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0 && out.length < 64) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Machine-wide jiffies from the first line of /proc/stat; `irq` is irq + softirq (loopback TCP runs there). */
export interface MachineJiffies { busy: number; total: number; irq: number; steal: number }

export function machineJiffies(): MachineJiffies {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 4) return { busy: 0, total: 0, irq: 0, steal: 0 };
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total, irq: (v[5] ?? 0) + (v[6] ?? 0), steal: v[7] ?? 0 };
}

/** Samples CPU and RSS of a set of processes (summed) and of the machine. */
export class ProcSampler {
  private timer: NodeJS.Timeout | undefined;
  rssMaxMb = 0;
  rssLastMb = 0;
  rssSamples = 0;

  constructor(readonly pids: number[]) {}

  cpuSeconds(): number {
    let s = 0;
    for (const pid of this.pids) s += procCpuSeconds(pid) ?? 0;
    return s;
  }

  rssMb(): number {
    let s = 0;
    for (const pid of this.pids) s += procRssMb(pid) ?? 0;
    return s;
  }

  alive(): boolean {
    return this.pids.length > 0 && procCpuSeconds(this.pids[0]) !== undefined;
  }

  /** Start sampling RSS every `everyMs` (250 ms by default) until stop(). */
  start(everyMs = 250): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  /** Forget the maximum so far (e.g. at the start of a measured phase). */
  resetMax(): void {
    this.rssMaxMb = 0;
    this.sample();
  }

  sample(): number {
    if (this.pids.length === 0) return 0;
    const rss = this.rssMb();
    this.rssLastMb = rss;
    this.rssSamples++;
    if (rss > this.rssMaxMb) this.rssMaxMb = rss;
    return rss;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
