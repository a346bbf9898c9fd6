/**
 * Labs for the contract (`labs.*`): the catalogue with each attendee's progress, and start, check, solve and reset
 * against the engine itself (a local target over its own listeners, HTTP API and contract) or a target profile.
 * A lab started on the engine is watched: re-checked on the engine's events (debounced) and every few seconds, and
 * each round whose statuses changed is a `checked` event and a progress update. Progress lives in
 * `<dataDir>/labs/progress.json` and survives restarts: labs started before a restart are watched again.
 *
 * The catalogue is the shipped labs, then the user's own (`labDirs`: `--labs`, config `labs.dirs`; and
 * `<dataDir>/labs/`), read again by every `list` (a lab just written appears without a restart); a user lab that does
 * not load is listed as broken with why, and the others load.
 *
 * LIMITATIONS: a lab run against a
 * target profile is checked on demand, not watched; the solution's steps are forwarded only through the runner's
 * events given to `solve`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError, TypedEmitter, type Logger, type Service } from '../../core/index.js';
import { parseFaultSpec } from '../../devices/index.js';
import type { FleetFault, FleetFaultResult, ScenarioStepEvent, LabCheckReport, LabDetail, LabSolution, LabProgressInfo, LabResetResult, LabSolveResult, LabStartInput, LabStartResult, LabSummary, LabTargetInput } from '../../contract/index.js';
import { openTarget, type KeptDevices, type ScenarioEvents, type Target } from '../../scenarios/index.js';
import { checkKind } from '../checks/index.js';
import { resolveAccount } from '../format/account.js';
import { findLab, loadLabCatalogue, LABS_DIR, type LabCatalogue } from '../format/catalogue.js';
import { defaultAttendee, labEnv, labNames, labVariables } from '../format/env.js';
import { interpolate } from '../format/interpolate.js';
import type { Lab } from '../format/types.js';
import { checkLab as runChecks, type CheckReport } from '../run/check-lab.js';
import { ProgressStore, progressKey, type LabProgress } from '../run/progress.js';
import { labInventory, resetLab as removeLab } from '../run/reset.js';
import { solveLab as runSolution, startLab as setUpLab } from '../run/start.js';
import { watchLab, type LabWatch } from '../run/watch.js';

export interface LabsServiceOptions {
  dataDir: string;
  /** The engine as a lab's target (made when a lab runs: the engine listens by then). */
  target(): Target;
  logger: Logger;
  /** Where the shipped catalogue is (default: the shipped `labs/`). */
  labsDir?: string;
  /** The user's lab folders (`--labs`, config `labs.dirs`); `<dataDir>/labs/` is read too. */
  labDirs?: readonly string[];
}

export interface LabsServiceEvents {
  checked: LabCheckReport;
  /** The runner's events of a lab's start and solution, tagged `lab-<id>-start-<n>` / `lab-<id>-solve-<n>`. */
  step: ScenarioStepEvent;
}

const RUNNER_EVENTS: ReadonlyArray<keyof ScenarioEvents> = ['run.started', 'step.started', 'step.progress', 'step.log', 'step.finished', 'cleanup.finished', 'run.finished'];

const LOCAL = 'local';

export class LabsService implements Service {
  readonly name = 'labs';
  readonly events = new TypedEmitter<LabsServiceEvents>();
  private readonly progress: ProgressStore;
  private catalogue: LabCatalogue | undefined;
  /** The broken user labs' errors already logged. */
  private readonly reported = new Set<string>();
  private readonly watches = new Map<string, Promise<LabWatch | undefined>>();
  /** The devices of started labs (lab 5's motor), by progress key: stopped on reset, on a new start and at stop. */
  private readonly devices = new Map<string, KeptDevices>();
  private stopping = false;
  private runs = 0;

  constructor(private readonly opts: LabsServiceOptions) {
    this.progress = new ProgressStore(opts.dataDir);
  }

  /** Watches again the labs that were started on the engine and not finished. */
  async start(): Promise<void> {
    this.stopping = false;
    let entries: LabProgress[];
    try {
      entries = this.progress.all();
    } catch (e) {
      this.opts.logger.log('warn', 'labs', `lab progress could not be read: ${(e as Error).message}`);
      return;
    }
    const resume = entries.filter((p) => p.target === LOCAL && p.startedAt !== undefined && p.finishedAt === undefined);
    if (!resume.length) return;
    let labs: Lab[];
    try {
      labs = this.load().labs;
    } catch (e) {
      // A lab that does not load never stops the engine: labs.list says what is wrong with it.
      this.catalogue = undefined;
      this.opts.logger.log('warn', 'labs', `the lab catalogue does not load: ${(e as Error).message}`);
      return;
    }
    for (const p of resume) {
      const lab = labs.find((l) => l.id === p.lab);
      if (lab) this.watch(lab, p.attendee, p.startedAt!);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const watches = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(watches.map(async (w) => (await w)?.stop()));
    const devices = [...this.devices.values()];
    this.devices.clear();
    await Promise.all(devices.map((d) => d.stop()));
  }

  /** Stops the devices a start of this lab left running for this target and attendee. */
  private async stopDevices(lab: Lab, target: string, attendee: string): Promise<void> {
    const key = progressKey(target, attendee, lab.id);
    const kept = this.devices.get(key);
    this.devices.delete(key);
    await kept?.stop();
  }

  private load(): LabCatalogue {
    this.catalogue = loadLabCatalogue({ shipped: this.opts.labsDir ?? LABS_DIR, dirs: this.opts.labDirs, dataDir: this.opts.dataDir });
    for (const b of this.catalogue.broken) {
      if (this.reported.has(b.error)) continue; // said once, not at every list
      this.reported.add(b.error);
      this.opts.logger.log('warn', 'labs', `the lab in ${b.dir} does not load:\n${b.error}`);
    }
    return this.catalogue;
  }

  private labs(): Lab[] {
    return (this.catalogue ?? this.load()).labs;
  }

  /** The lab an attendee names; a lab written since the catalogue was read is found too (it is read again). */
  private lab(ref: string): Lab {
    try {
      return findLab(this.labs(), ref);
    } catch {
      const broken = this.load().broken.find((b) => String(b.id) === String(ref).replace(/^0+(?=\d)/, '') || b.slug === ref || `${String(b.id).padStart(2, '0')}-${b.slug}` === ref);
      if (broken) {
        throw new EngineError('InvalidInput', `the lab in ${broken.dir} does not load:\n${broken.error}`, { reason: 'BrokenLab' });
      }
      return findLab(this.labs(), ref);
    }
  }

  /** Runs `fn` on the target the input names (the engine itself by default), closing a profile's target after. */
  private async on<T>(input: LabTargetInput | undefined, fn: (target: Target, attendee: string) => Promise<T>): Promise<T> {
    const attendee = input?.attendee ?? defaultAttendee();
    if (input?.target === undefined || input.target === LOCAL) return fn({ ...this.opts.target(), name: LOCAL }, attendee);
    const target = await openTarget(input.target, { dataDir: this.opts.dataDir });
    try {
      await resolveAccount(target);
      return await fn(target, attendee);
    } finally {
      await target.close();
    }
  }

  private progressInfo(lab: Lab, target: string, attendee: string): LabProgressInfo | undefined {
    const p = this.progress.get(target, attendee, lab.id);
    if (!p) return undefined;
    const { lab: _l, slug: _s, ...info } = p;
    return info;
  }

  private summary(lab: Lab, target: string, attendee: string): LabSummary {
    const progress = this.progressInfo(lab, target, attendee);
    return {
      id: lab.id, slug: lab.slug, title: lab.title, summary: lab.summary, minutes: lab.minutes, cost: lab.cost, checks: lab.checks.length,
      ...(progress ? { progress } : {}), source: lab.source ?? 'shipped', dir: lab.dir,
    };
  }

  async list(input?: LabTargetInput): Promise<LabSummary[]> {
    const attendee = input?.attendee ?? defaultAttendee();
    this.progress.all();
    const { labs, broken } = this.load();
    return [
      ...labs.map((l) => this.summary(l, input?.target ?? LOCAL, attendee)),
      ...broken.map((b): LabSummary => ({
        id: b.id, slug: b.slug, title: `${String(b.id).padStart(2, '0')}-${b.slug}`, summary: `does not load: ${b.error.split('\n')[0]}`, minutes: 0, cost: '', checks: 0,
        source: b.source, dir: b.dir, broken: b.error,
      })),
    ];
  }

  /** The reference solution as written, to read. */
  solution(ref: string): LabSolution {
    const lab = this.lab(ref);
    const rel = path.relative(path.resolve(LABS_DIR, '..'), lab.solutionFile);
    return { lab: lab.id, file: rel.startsWith('..') ? path.basename(lab.solutionFile) : rel.split(path.sep).join('/'), text: readFileSync(lab.solutionFile, 'utf8') };
  }

  async get(ref: string, input?: LabTargetInput): Promise<LabDetail> {
    const lab = this.lab(ref);
    return this.on(input, async (target, attendee) => {
      const vars = labVariables(lab, target, { attendee });
      const g = lab.guide;
      return {
        ...this.summary(lab, target.name, attendee),
        names: labNames(lab, { attendee }),
        env: labEnv(lab, target, { attendee }),
        checkList: lab.checks.map((c) => ({ id: c.id, title: interpolate(c.title, vars), kind: c.kind, localOnly: checkKind(c.kind)!.localOnly })),
        guide: {
          title: g.title, goal: g.goal, pipeline: g.pipeline, ...(g.before !== undefined ? { before: g.before } : {}),
          steps: g.steps.map((s) => ({ n: s.n, title: s.title, markdown: s.markdown })), why: g.why, cost: g.cost, cleanUp: g.cleanUp,
        },
      };
    });
  }

  /** `labs.start`. */
  async startLab(ref: string, input?: LabStartInput): Promise<LabStartResult> {
    this.refuseWhileStopping();
    const lab = this.lab(ref);
    return this.on(input, async (target, attendee) => {
      await this.stopDevices(lab, target.name, attendee);
      const started = await setUpLab(lab, target, { attendee, fresh: input?.fresh ?? false, logger: this.opts.logger, dataDir: this.opts.dataDir, events: this.runEvents(`lab-${lab.id}-start`) });
      // A watch of an earlier start looked at messages since then: it starts again from now.
      await this.unwatch(lab, target.name, attendee);
      if (started.devices) this.devices.set(progressKey(target.name, attendee, lab.id), started.devices);
      this.progress.started(lab, target.name, attendee, started.startedAt);
      const report = await this.checkAndRecord(lab, target, attendee, started.startedAt);
      if (target.name === LOCAL && this.isEngine(input)) this.watch(lab, attendee, started.startedAt);
      return {
        lab: lab.id, target: target.name, attendee, names: started.names, env: started.env, startedAt: started.startedAt,
        removed: started.removed.map((r) => `${r.kind} ${r.name}`), report,
      };
    });
  }

  async checkLab(ref: string, input?: LabTargetInput): Promise<LabCheckReport> {
    const lab = this.lab(ref);
    return this.on(input, (target, attendee) => this.checkAndRecord(lab, target, attendee, this.progress.get(target.name, attendee, lab.id)?.startedAt));
  }

  async solveLab(ref: string, input?: LabTargetInput): Promise<LabSolveResult> {
    this.refuseWhileStopping();
    const lab = this.lab(ref);
    return this.on(input, async (target, attendee) => {
      const run = await runSolution(lab, target, { attendee, logger: this.opts.logger, dataDir: this.opts.dataDir, events: this.runEvents(`lab-${lab.id}-solve`) });
      if (run.status === 'passed') this.progress.solved(lab, target.name, attendee);
      const report = await this.checkAndRecord(lab, target, attendee, this.progress.get(target.name, attendee, lab.id)?.startedAt);
      return { run, report };
    });
  }

  async resetLab(ref: string, input?: LabTargetInput): Promise<LabResetResult> {
    const lab = this.lab(ref);
    return this.on(input, async (target, attendee) => {
      await this.unwatch(lab, target.name, attendee);
      // A fleet the lab started removes its own things when it stops (lab 14's 50 devices): what the lab had before
      // the devices stopped and is gone afterwards was removed by this reset too, and is named with the rest.
      const before = this.devices.has(progressKey(target.name, attendee, lab.id)) ? await labInventory(lab, target, { attendee }).catch(() => []) : [];
      await this.stopDevices(lab, target.name, attendee);
      const result = await removeLab(lab, target, { attendee });
      this.progress.reset(lab, target.name, attendee);
      const named = new Set(result.removed.map((r) => `${r.kind} ${r.name}`));
      const left = before.length ? new Set((await labInventory(lab, target, { attendee }).catch(() => [])).map((r) => `${r.kind} ${r.name}`)) : new Set<string>();
      const byDevices = before.map((r) => `${r.kind} ${r.name}`).filter((k) => !named.has(k) && !left.has(k));
      return { removed: [...byDevices, ...named], errors: result.errors };
    });
  }

  /**
   * `labs.fault`: a fault on the devices a start of this lab runs for the attendee (every one, or those named by thing
   * name or client id): the same faults as a fleet's. A lab whose devices are not running (not started, reset, or
   * started before the engine restarted) is a Conflict that says to start it.
   */
  async fault(ref: string, fault: FleetFault, devices?: string[], input?: LabTargetInput): Promise<FleetFaultResult> {
    this.refuseWhileStopping();
    const lab = this.lab(ref);
    const spec = parseFaultSpec(fault);
    if (devices && !devices.length) throw new EngineError('InvalidInput', 'name at least one device, or omit devices for all of them');
    const target = input?.target ?? LOCAL;
    const attendee = input?.attendee ?? defaultAttendee();
    const kept = this.devices.get(progressKey(target, attendee, lab.id));
    if (!kept) {
      if (!lab.devices.length) throw new EngineError('InvalidInput', `lab ${lab.id} has no devices to fault`);
      throw new EngineError('Conflict', `lab ${lab.id}'s devices are not running for ${attendee} on '${target}': start the lab (thingbench lab start ${lab.id}) first`, { reason: 'LabNotStarted' });
    }
    return kept.fault(spec, devices);
  }

  /** A runner emitter whose events go out as `step` events of one run id. */
  private runEvents(prefix: string): TypedEmitter<ScenarioEvents> {
    const runId = `${prefix}-${++this.runs}`;
    const events = new TypedEmitter<ScenarioEvents>();
    for (const kind of RUNNER_EVENTS) events.on(kind, (data) => this.events.emit('step', { runId, kind, data } as ScenarioStepEvent));
    return events;
  }

  private isEngine(input?: LabTargetInput): boolean {
    return input?.target === undefined || input.target === LOCAL;
  }

  private refuseWhileStopping(): void {
    if (this.stopping) throw new EngineError('Unavailable', 'the engine is stopping');
  }

  private async checkAndRecord(lab: Lab, target: Target, attendee: string, since: number | undefined): Promise<LabCheckReport> {
    const report = await runChecks(lab, target, { attendee, ...(since !== undefined ? { since } : {}) });
    this.record(lab, report);
    return report;
  }

  /** Stores a round; a round whose statuses changed is a `checked` event. */
  private record(lab: Lab, report: CheckReport): void {
    if (this.progress.checked(lab, report)) this.events.emit('checked', report);
  }

  private watch(lab: Lab, attendee: string, since: number): void {
    const key = progressKey(LOCAL, attendee, lab.id);
    if (this.watches.has(key) || this.stopping) return;
    const target = { ...this.opts.target(), name: LOCAL };
    const watching = watchLab(lab, target, {
      attendee, since,
      onReport: (report) => this.record(lab, report),
      onError: (e) => this.opts.logger.log('debug', 'labs', `lab ${lab.id} check round failed: ${e.message}`),
    }).catch((e: Error) => {
      this.opts.logger.log('warn', 'labs', `lab ${lab.id} cannot be watched: ${e.message}`);
      this.watches.delete(key);
      return undefined;
    });
    this.watches.set(key, watching);
  }

  private async unwatch(lab: Lab, target: string, attendee: string): Promise<void> {
    const key = progressKey(target, attendee, lab.id);
    const w = this.watches.get(key);
    this.watches.delete(key);
    await (await w)?.stop();
  }
}
