// Closed-loop request load for the AWS API benchmarks: `concurrency` workers each run an operation and wait for its
// answer, back to back; what finishes inside the window after the warm-up is counted and timed, with the engine's
// CPU and the machine's other CPU over the same window.
import { Histogram, type LatencySummary } from './histogram.js';
import { CLK_TCK, machineJiffies, procCpuSeconds } from './proc.js';

export interface OpLoadOptions {
  concurrency: number;
  warmupMs: number;
  windowMs: number;
  /** The engine's processes, for its CPU over the window. */
  pids: number[];
  /**
   * Stop once this many units (warm-up included) are done: the window then closes early, so a store with a size
   * cap is never pushed past it. Workers stop taking new operations when `cap` minus the units in flight is reached.
   */
  cap?: number;
  /** Units one operation may add (to keep `cap`): 1 by default. */
  unitsPerOp?: number;
  /**
   * The window stays open past `windowMs` until this many operations finished in it (at most 10 windows more), so
   * long operations (a PutRecords of 500 records) are counted over several completions, not one or none.
   */
  minOps?: number;
}

export interface OpLoadResult {
  /** Operations finished in the window, per second. */
  opsPerSecond: number;
  /** Units (what the operations return: items, records; 1 each by default) finished in the window, per second. */
  perSecond: number;
  /** Latency of the operations finished in the window. */
  latency: LatencySummary;
  /** Engine CPU µs per unit over the window. */
  cpuUsPerUnit: number;
  /** This process's CPU µs per unit over the window (the load generator's own cost: the clients). */
  loadCpuUsPerUnit: number;
  /** Busy CPU of the machine besides the engine and this process, % of one core (noise). */
  otherCpuPct: number;
  /** Units done in all, warm-up included. */
  totalUnits: number;
  windowSeconds: number;
  errors: number;
  firstError?: string;
}

const nowMs = () => performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + (procCpuSeconds(p) ?? 0), 0);

/**
 * Runs `op` in `concurrency` workers for warm-up + window. `op` returns the units it did (undefined = 1); one that
 * throws is counted as an error (the first is kept) and the worker goes on, unless nothing has worked after 1,000.
 */
export async function runOps(o: OpLoadOptions, op: (worker: number, seq: number) => Promise<number | void>): Promise<OpLoadResult> {
  const hist = new Histogram();
  const per = o.unitsPerOp ?? 1;
  let counting = false;
  let stop = false;
  let ops = 0, units = 0, total = 0, started = 0, errors = 0;
  let firstError: string | undefined;
  let capped: (() => void) | undefined;
  const capReached = new Promise<void>((r) => { capped = r; });
  const worker = async (w: number) => {
    for (let seq = 0; !stop; seq++) {
      if (o.cap !== undefined && started + per > o.cap) { capped?.(); return; }
      started += per;
      const t0 = nowMs();
      try {
        const n = (await op(w, seq)) ?? 1;
        total += n;
        if (counting) {
          ops++;
          units += n;
          hist.record((nowMs() - t0) * 1e6);
        }
      } catch (e) {
        started -= per;
        errors++;
        firstError ??= `${(e as Error).name}: ${(e as Error).message}`;
        if (errors > 1000 && total === 0) stop = true; // nothing works: do not spin for the whole window
      }
    }
  };
  const workers = Array.from({ length: o.concurrency }, (_x, w) => worker(w));
  await Promise.race([sleep(o.warmupMs), capReached]);
  counting = true;
  const t0 = nowMs();
  const cpu0 = cpuOf(o.pids), self0 = process.cpuUsage(), busy0 = machineJiffies().busy / CLK_TCK;
  const allDone = Promise.all(workers);
  let ended = false;
  void Promise.race([capReached, allDone]).then(() => { ended = true; });
  await Promise.race([sleep(o.windowMs), capReached, allDone]);
  for (const until = nowMs() + 10 * o.windowMs; !ended && ops < (o.minOps ?? 0) && nowMs() < until;) await sleep(5);
  if (o.cap !== undefined && started + per > o.cap) await Promise.all(workers); // capped: the last operations count
  counting = false;
  const elapsed = (nowMs() - t0) / 1000;
  const engineCpu = cpuOf(o.pids) - cpu0;
  const self = process.cpuUsage(self0);
  const other = machineJiffies().busy / CLK_TCK - busy0 - engineCpu - (self.user + self.system) / 1e6;
  stop = true;
  await Promise.all(workers);
  const r: OpLoadResult = {
    opsPerSecond: ops / elapsed, perSecond: units / elapsed, latency: hist.summaryMs(), cpuUsPerUnit: (engineCpu * 1e6) / units,
    loadCpuUsPerUnit: (self.user + self.system) / units,
    otherCpuPct: (other / elapsed) * 100, totalUnits: total, windowSeconds: elapsed, errors,
  };
  if (firstError) r.firstError = firstError;
  return r;
}
