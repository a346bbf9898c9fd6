// Chromium traces of the renderer's main thread for bench/ui.ts: each task's wall and CPU time (`tdur`, which other
// work on a busy machine does not inflate) and what ran inside the slow ones.

/** Trace categories that show what runs inside a task: script compile and evaluation, GC, style, layout, paint. */
export const BREAKDOWN_CATEGORIES = ['toplevel', 'devtools.timeline', 'v8', 'v8.execute', 'blink', 'loading', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.compile', 'v8.gc'];

/**
 * The main thread's tasks over 50 ms by the wall clock or over `minCpuMs` of CPU (a busy machine stretches many tasks
 * past 50 ms of wall time; the CPU time says which ones would be long on a quiet one): when, wall and CPU time, and the
 * events inside by wall time.
 */
export function slowTasks(trace: TraceFile, minCpuMs = 30): [number, number, number, string][] {
  const { onMain, tasks, t0 } = pageTasks(trace);
  const out: [number, number, number, string][] = [];
  for (const t of tasks) {
    if ((t.dur ?? 0) <= 50_000 && (t.tdur ?? 0) <= minCpuMs * 1000) continue;
    const end = t.ts + (t.dur ?? 0);
    // The direct children: events inside the task not inside another event inside it.
    const inside = onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= end && e.name !== 'ThreadControllerImpl::RunTask');
    const top = inside.filter((e) => !inside.some((p) => p !== e && p.ts <= e.ts && p.ts + (p.dur ?? 0) >= e.ts + (e.dur ?? 0) && (p.dur ?? 0) > (e.dur ?? 0)));
    const byName = new Map<string, { dur: number; tdur: number }>();
    for (const e of top) {
      const k = byName.get(e.name) ?? { dur: 0, tdur: 0 };
      k.dur += (e.dur ?? 0) / 1000;
      k.tdur += (e.tdur ?? e.dur ?? 0) / 1000;
      byName.set(e.name, k);
    }
    // What is under the largest child too (a FunctionCall's compile, GC, layout).
    const nested = new Map<string, { dur: number; tdur: number }>();
    for (const e of inside.filter((x) => !top.includes(x))) {
      const k = nested.get(e.name) ?? { dur: 0, tdur: 0 };
      k.dur += (e.dur ?? 0) / 1000;
      k.tdur += (e.tdur ?? e.dur ?? 0) / 1000;
      nested.set(e.name, k);
    }
    const fmt = (m: Map<string, { dur: number; tdur: number }>) => [...m].sort((a, b) => b[1].dur - a[1].dur).slice(0, 5)
      .map(([name, x]) => `${name} ${x.dur.toFixed(0)}/${x.tdur.toFixed(0)}`).join(', ');
    out.push([(t.ts - t0) / 1000, (t.dur ?? 0) / 1000, (t.tdur ?? t.dur ?? 0) / 1000, `${fmt(byName)}${nested.size ? ` | under them: ${fmt(nested)}` : ''}`]);
  }
  return out;
}

/** Trace categories that show V8's garbage collector on every thread: its pauses, and its concurrent work on workers. */
export const GC_CATEGORIES = ['toplevel', 'v8.gc', 'disabled-by-default-v8.gc'];

/** The collector's events on the main thread: a mark-compact's final (atomic) pause, a scavenge, a step of incremental marking. */
const MARK_COMPACT = 'V8.GC_MARK_COMPACTOR';
const SCAVENGE = 'V8.GC_SCAVENGER';
const MARKING_STEP = 'V8.GC_MC_INCREMENTAL';

/**
 * The main thread's tasks over 50 ms by the wall clock, each beside the collector's work on the renderer's other
 * threads in the same window (`V8.GC_MC_BACKGROUND_*`, CPU prorated to the overlap) and the collector's pauses inside
 * the task. On a core shared with those threads, the task's CPU plus theirs comes to about its wall time. Needs a trace
 * with GC_CATEGORIES.
 */
export function tasksBesideCollector(trace: TraceFile): { atMs: number; wallMs: number; cpuMs: number; collectorCpuMs: number; pauses: string }[] {
  const { spans, main, onMain, tasks, t0 } = pageTasks(trace);
  const collector = collectorThreads(spans, main);
  return tasks.filter((t) => (t.dur ?? 0) > 50_000).map((t) => {
    const end = t.ts + (t.dur ?? 0);
    return { atMs: (t.ts - t0) / 1000, wallMs: (t.dur ?? 0) / 1000, cpuMs: (t.tdur ?? 0) / 1000,
      collectorCpuMs: cpuWithin(collector, t.ts, end).cpu / 1000, pauses: pausesWithin(onMain, t.ts, end) };
  });
}

/** The category of the user-timing marks (`performance.mark`) that tie a page's clock to a trace's. */
export const CLOCK_CATEGORY = 'blink.user_timing';

/**
 * What the page's main thread and the collector did during each of `frames` (start and length in ms from the page's
 * `performance.mark(mark)`, set while tracing with CLOCK_CATEGORY): the main thread's tasks in the frame (wall time
 * and CPU, prorated to the overlap), the longest of them, the collector's CPU on the renderer's other threads and its
 * pauses on the main thread. A slow frame with an idle main thread is a thread the system did not run; a busy one
 * with little CPU, a thread that waited for a core.
 */
export function framesBesideWork(trace: TraceFile, mark: string, frames: { at: number; ms: number }[]): {
  atMs: number; ms: number; mainWallMs: number; mainCpuMs: number; longestTask: string; collectorCpuMs: number; pauses: string;
}[] {
  const { spans, main, onMain, tasks } = pageTasks(trace);
  const events = (Array.isArray(trace) ? trace : trace.traceEvents) as Span[];
  const origin = events.find((e) => e.name === mark)?.ts;
  if (origin === undefined) throw new Error(`the trace holds no mark ${mark}: trace with ${CLOCK_CATEGORY}`);
  const collector = collectorThreads(spans, main);
  return frames.map((f) => {
    const from = origin + f.at * 1000;
    const to = from + f.ms * 1000;
    const busy = cpuWithin(tasks, from, to);
    const longest = tasks.filter((t) => t.ts < to && t.ts + (t.dur ?? 0) > from).sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))[0];
    return {
      atMs: f.at, ms: f.ms, mainWallMs: busy.wall / 1000, mainCpuMs: busy.cpu / 1000,
      longestTask: longest ? `${((longest.dur ?? 0) / 1000).toFixed(0)}/${((longest.tdur ?? 0) / 1000).toFixed(0)}` : '–',
      collectorCpuMs: cpuWithin(collector, from, to).cpu / 1000, pauses: pausesWithin(onMain, from, to),
    };
  });
}

/** The wall and CPU time (µs) of `spans` inside [from, to], each prorated to its overlap. */
function cpuWithin(spans: Span[], from: number, to: number): { wall: number; cpu: number } {
  let wall = 0;
  let cpu = 0;
  for (const e of spans) {
    const overlap = Math.min(to, e.ts + (e.dur ?? 0)) - Math.max(from, e.ts);
    if (overlap <= 0 || !e.dur) continue;
    wall += overlap;
    cpu += ((e.tdur ?? e.dur) * overlap) / e.dur;
  }
  return { wall, cpu };
}

/** The collector's pauses on the main thread that start inside [from, to]: kind and wall/CPU ms. */
function pausesWithin(onMain: Span[], from: number, to: number): string {
  return onMain.filter((e) => (e.name === MARK_COMPACT || e.name === SCAVENGE) && e.ts >= from && e.ts < to)
    .map((e) => `${e.name === MARK_COMPACT ? 'mark-compact' : 'scavenge'} ${((e.dur ?? 0) / 1000).toFixed(0)}/${((e.tdur ?? 0) / 1000).toFixed(0)}`)
    .join(', ') || '–';
}

/**
 * The collector's whole work on the page's renderer over a trace: mark-compacts (count, longest and summed final
 * pauses), the main thread's incremental marking steps, scavenges (count and pauses), all by the wall clock on the
 * main thread, and the mark-compacts' CPU on the renderer's other threads (concurrent marking, parallel phases). Less
 * noisy than counting long tasks: it follows the live heap the collector marks. Needs a trace with GC_CATEGORIES.
 */
export function collectorWork(trace: TraceFile): {
  markCompacts: number; mcPauseMaxMs: number; mcPauseMs: number; markingStepsMs: number; scavenges: number; scavengeMs: number; backgroundCpuMs: number;
} {
  const { spans, main, onMain } = pageTasks(trace);
  const ms = (list: Span[], pick: (e: Span) => number) => list.reduce((sum, e) => sum + pick(e), 0) / 1000;
  const wall = (e: Span) => e.dur ?? 0;
  const majors = onMain.filter((e) => e.name === MARK_COMPACT);
  const minors = onMain.filter((e) => e.name === SCAVENGE);
  return {
    markCompacts: majors.length,
    mcPauseMaxMs: Math.max(0, ...majors.map(wall)) / 1000,
    mcPauseMs: ms(majors, wall),
    markingStepsMs: ms(onMain.filter((e) => e.name === MARKING_STEP), wall),
    scavenges: minors.length,
    scavengeMs: ms(minors, wall),
    backgroundCpuMs: ms(collectorThreads(spans, main), (e) => e.tdur ?? e.dur ?? 0),
  };
}

/** The mark-compacts' work on the page's renderers' other threads. */
function collectorThreads(spans: Span[], main: Set<string>): Span[] {
  const renderers = new Set([...main].map((k) => Number(k.split(':')[0])));
  return spans.filter((e) => renderers.has(e.pid) && !main.has(`${e.pid}:${e.tid}`) && e.name.startsWith('V8.GC_MC_BACKGROUND'));
}

export interface TraceEvent {
  name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number;
  args?: { name?: string; data?: { processId?: number; url?: string; frames?: { processId?: number; url?: string }[] } };
}

/**
 * The main threads (`pid:tid`) of the renderer processes that showed the page: the processes its web pages (http) were
 * committed in, as the browser logs them. A trace holds every renderer of the browser, and Chromium starts its own
 * (a WebUI renderer that defines custom elements, a few hundred ms of CPU) during some openings: counted as the page's,
 * it looked like a 94–106 ms evaluation of the page's entry script on the third opening.
 */
function pageMainThreads(events: TraceEvent[]): Set<string> {
  const pids = new Set<number>();
  for (const e of events) {
    const frames = e.name === 'FrameCommittedInBrowser' ? [e.args?.data ?? {}] : e.name === 'TracingStartedInBrowser' ? e.args?.data?.frames ?? [] : [];
    for (const f of frames) if (f.processId !== undefined && /^https?:/.test(f.url ?? '')) pids.add(f.processId);
  }
  return new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && (pids.size === 0 || pids.has(e.pid)))
    .map((e) => `${e.pid}:${e.tid}`));
}
export type TraceFile = { traceEvents: TraceEvent[] } | TraceEvent[];

type Span = TraceEvent & { ts: number };

/** A trace's complete events (`X`), the page's main threads, their events and their tasks, and the first task's start. */
function pageTasks(trace: TraceFile): { spans: Span[]; main: Set<string>; onMain: Span[]; tasks: Span[]; t0: number } {
  const events = (Array.isArray(trace) ? trace : trace.traceEvents) as Span[];
  const main = pageMainThreads(events);
  const spans = events.filter((e) => e.ph === 'X');
  const onMain = spans.filter((e) => main.has(`${e.pid}:${e.tid}`));
  const tasks = onMain.filter((e) => e.name === 'ThreadControllerImpl::RunTask');
  return { spans, main, onMain, tasks, t0: Math.min(...tasks.map((e) => e.ts)) };
}

/** A trace as `browser.stopTracing()` gives it. */
export function parseTrace(buffer: Buffer): TraceFile {
  return JSON.parse(buffer.toString()) as TraceFile;
}

/** The renderer main thread's tasks in a Chromium trace: how many took over 50 ms of CPU, the longest, the sum (ms). */
export function mainThreadTasks(trace: TraceFile): { over50: number; longest: number; total: number } {
  const cpu = pageTasks(trace).tasks.map((e) => (e.tdur ?? e.dur ?? 0) / 1000);
  return { over50: cpu.filter((ms) => ms > 50).length, longest: Math.max(0, ...cpu), total: cpu.reduce((a, b) => a + b, 0) };
}
