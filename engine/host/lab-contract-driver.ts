/**
 * A lab through the engine contract's `labs.*` (the Thingbench running on the data directory, reached through its
 * control socket, or one opened in this process): the engine runs the lab, keeps its devices running and its
 * progress, and pushes `labs.checked` as checks change.
 */
import type { Disposable, FleetFault, FleetFaultResult, LabCheckReport, ThingbenchApi, ThingbenchEvents } from '../contract/index.js';
import type { LabDriver, LabListing, LabProgressLine, LabReset, LabSolved, LabStarted } from './lab-target-driver.js';

export interface ContractLabSource {
  api: Pick<ThingbenchApi, 'labs'>;
  on<N extends keyof ThingbenchEvents>(name: N, cb: (data: ThingbenchEvents[N]) => void): Disposable;
  close(): Promise<void>;
}

/** How often `check --watch` re-checks a lab the engine does not watch itself (one not started on it). */
const POLL_MS = 3000;

const signature = (r: LabCheckReport) => r.checks.map((c) => `${c.id}:${c.status}:${c.status === 'done' ? '' : c.reason}`).join('|');

export class ContractLabDriver implements LabDriver {
  constructor(private readonly source: ContractLabSource, readonly where: string, private readonly attendee?: string) {}

  private get labs(): ThingbenchApi['labs'] {
    return this.source.api.labs;
  }

  private get input() {
    return this.attendee ? { attendee: this.attendee } : {};
  }

  async list(): Promise<LabListing[]> {
    return (await this.labs.list(this.input)).map((l) => ({
      id: l.id, slug: l.slug, title: l.title, summary: l.summary, minutes: l.minutes,
      ...(l.source ? { source: l.source } : {}), ...(l.dir ? { dir: l.dir } : {}), ...(l.broken !== undefined ? { broken: l.broken } : {}),
      ...(l.progress ? { progress: { startedAt: l.progress.startedAt, done: Object.keys(l.progress.done).length, total: l.checks, solvedAt: l.progress.solvedAt, finishedAt: l.progress.finishedAt } } : {}),
    }));
  }

  async env(ref: string): Promise<Record<string, string>> {
    return (await this.labs.get(ref, this.input)).env;
  }

  async start(ref: string, o: { fresh?: boolean; progress: LabProgressLine }): Promise<LabStarted> {
    const r = await this.labs.start(ref, { ...this.input, ...(o.fresh ? { fresh: true } : {}) });
    return { env: r.env, removed: r.removed };
  }

  check(ref: string): Promise<LabCheckReport> {
    return this.labs.check(ref, this.input);
  }

  async watch(ref: string, onReport: (r: LabCheckReport) => void, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }> {
    let last = '';
    const seen: { first?: LabCheckReport } = {};
    const report = (r: LabCheckReport) => {
      const sig = signature(r);
      if (sig === last) return;
      last = sig;
      onReport(r);
    };
    const mine = (r: LabCheckReport, f = seen.first) => !!f && r.lab === f.lab && r.attendee === f.attendee && r.target === f.target;
    // Subscribed before the first check, so no change between the two is missed.
    const sub = this.source.on('labs.checked', (r) => mine(r) && report(r));
    seen.first = await this.check(ref).catch((e: unknown) => {
      sub.dispose();
      throw e;
    });
    report(seen.first);
    const poll = setInterval(() => void this.check(ref).then(report, onError), POLL_MS);
    return {
      stop: async () => {
        clearInterval(poll);
        sub.dispose();
      },
    };
  }

  async solve(ref: string, progress: LabProgressLine): Promise<LabSolved> {
    const line = (s: { status: string; label?: string; step: string; message?: string }) => {
      const mark = s.status === 'passed' ? '✓' : s.status === 'skipped' ? '–' : '✗';
      progress(`  ${mark} ${s.label ?? s.step}${s.status === 'passed' || !s.message ? '' : `: ${s.message}`}`);
    };
    // The solution's steps as they finish (the engine forwards its runner's events); the result's steps otherwise.
    let live = 0;
    const sub = this.source.on('scenarios.step', (e) => {
      if (e.kind !== 'step.finished' || e.data.depth !== 0 || e.data.cleanup) return;
      live++;
      line(e.data);
    });
    try {
      const r = await this.labs.solve(ref, this.input);
      if (!live) for (const s of r.run.steps) line(s);
      return { passed: r.run.status === 'passed', ...(r.run.message ? { message: r.run.message } : {}) };
    } finally {
      sub.dispose();
    }
  }

  reset(ref: string): Promise<LabReset> {
    return this.labs.reset(ref, this.input);
  }

  fault(ref: string, fault: FleetFault, devices?: string[]): Promise<FleetFaultResult> {
    return this.labs.fault(ref, fault, devices, this.input);
  }

  close(): Promise<void> {
    return this.source.close();
  }
}
