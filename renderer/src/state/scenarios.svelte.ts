import type {
  ScenarioFile, ScenarioProblem, ScenarioRunInfo, ScenarioStepEvent, ThingbenchClient,
} from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { ScenarioTimeline } from './models/scenario-timeline.js';

/** Typing pauses this long before the scenario is checked. */
const VALIDATE_MS = 300;
/** Timelines kept (the oldest finished ones go first). */
const KEPT_TIMELINES = 30;

export const NEW_SCENARIO = `# yaml-language-server: $schema=https://thingbench.dev/schemas/scenario.schema.json
name: my scenario
devices:
  sensor: { model: generic-sensor }
steps:
  - start: sensor
  - name: a reading arrives
    expect: { topic: "device/+/sensor/+/v1", within: 10s }
  - stop: sensor
`;

/**
 * Scenarios: the shipped examples and the user's files, the one open in the editor with its problems (checked as
 * the user types), and runs with their live timelines from `scenarios.step` events.
 */
export class ScenariosStore {
  files = $state.raw<readonly ScenarioFile[]>([]);
  loaded = $state(false);
  schema = $state.raw<Record<string, unknown> | null>(null);
  runs = $state.raw<readonly ScenarioRunInfo[]>([]);
  /** The file in the editor (`path`), or null for a new scenario. */
  openPath = $state<string | null>(null);
  text = $state('');
  /** A scenario is open in the editor (its text may be empty). */
  editing = $state(false);
  problems = $state.raw<readonly ScenarioProblem[]>([]);
  /** The text `problems` belong to (so the view knows whether they are current). */
  checkedText = $state<string | null>(null);
  selectedRun = $state<string | null>(null);
  /** Changes when any timeline changes. */
  timelineVersion = $state(0);
  runError = $state<string | null>(null);

  // Plain on purpose: timelines change in place and reach views through `timelineVersion`, at most once per frame.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly timelines = new Map<string, ScenarioTimeline>();
  private readonly publish = perFrame(() => { this.timelineVersion++; });
  // Plain on purpose: only this store reads it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly asked = new Set<string>();
  private validateTimer: ReturnType<typeof setTimeout> | undefined;
  private validating = 0;

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    const sub = this.client.on('scenarios.step', (e) => this.onStep(e));
    void this.reload();
    return () => {
      sub.dispose();
      clearTimeout(this.validateTimer);
    };
  }

  async reload(): Promise<void> {
    try {
      const [files, runs, schema] = await Promise.all([this.client.scenarios.files(), this.client.scenarios.runs(), this.schema ?? this.client.scenarios.schema()]);
      this.files = files;
      this.schema = schema;
      this.setRuns(runs);
      this.loaded = true;
    } catch (err) {
      this.connection.reportError('Could not read the scenarios')(err);
    }
  }

  /** Opens a file (by path) or a new scenario in the editor. */
  open(path: string | null): void {
    const file = path ? this.files.find((f) => f.path === path) : undefined;
    this.openPath = file ? file.path : null;
    this.editing = true;
    this.setText(file ? file.text : NEW_SCENARIO);
  }

  /** The editor's text changed: it is checked once typing pauses. */
  setText(text: string): void {
    this.text = text;
    this.runError = null;
    clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(() => void this.validate(), VALIDATE_MS);
  }

  /** The file's name the engine reports problems under. */
  get fileName(): string {
    return this.openPath?.split('/').pop() ?? 'scenario.yaml';
  }

  /**
   * Runs the editor's text on its own `target:`, else on `defaultTarget` (`local`, the default, is this engine unless a
   * profile replaces it).
   */
  async run(defaultTarget = 'local'): Promise<ScenarioRunInfo | null> {
    this.runError = null;
    try {
      const run = await this.client.scenarios.run({ text: this.text, defaultTarget });
      this.timeline(run.id);
      this.selectedRun = run.id;
      this.setRuns([run, ...this.runs.filter((r) => r.id !== run.id)]);
      return run;
    } catch (err) {
      this.runError = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  async cancel(id: string): Promise<void> {
    try {
      const run = await this.client.scenarios.cancel(id);
      this.setRuns(this.runs.map((r) => (r.id === id ? run : r)));
    } catch (err) {
      this.connection.reportError(`Could not cancel ${id}`)(err);
    }
  }

  selectRun(id: string | null): void {
    this.selectedRun = id;
  }

  /** A run's timeline (made from its result when it finished before the view saw it). */
  timeline(id: string): ScenarioTimeline {
    let t = this.timelines.get(id);
    if (!t) {
      t = new ScenarioTimeline(id);
      this.timelines.set(id, t);
      const info = this.runs.find((r) => r.id === id);
      if (info) this.fillFrom(t, info);
      this.trim();
    }
    return t;
  }

  private async validate(): Promise<void> {
    const text = this.text, seq = ++this.validating;
    try {
      const problems = await this.client.scenarios.validate(text, this.fileName);
      if (seq !== this.validating) return;
      this.problems = problems;
      this.checkedText = text;
    } catch (err) {
      this.connection.reportError('Could not check the scenario')(err);
    }
  }

  private onStep(e: ScenarioStepEvent): void {
    const t = this.timeline(e.runId);
    t.apply(e);
    // A run started elsewhere (the CLI's control socket, another window) is read once; every run once more when it ends.
    const unknown = !this.runs.some((r) => r.id === e.runId) && !this.asked.has(e.runId);
    if (unknown) this.asked.add(e.runId);
    if (unknown || e.kind === 'run.finished') void this.readRuns();
    this.publish();
  }

  private async readRuns(): Promise<void> {
    try {
      this.setRuns(await this.client.scenarios.runs());
    } catch (err) {
      this.connection.reportError('Could not read the runs')(err);
    }
  }

  private setRuns(runs: readonly ScenarioRunInfo[]): void {
    this.runs = runs;
    for (const r of runs) {
      const t = this.timelines.get(r.id);
      if (t) this.fillFrom(t, r);
    }
    this.publish();
  }

  private fillFrom(t: ScenarioTimeline, info: ScenarioRunInfo): void {
    if (!t.scenario) t.scenario = info.scenario;
    if (!t.file) t.file = info.file;
    if (info.result && t.durationMs === undefined) t.finish(info.result);
    else if (info.state === 'error' && info.error && t.status !== 'error') t.fail(info.error);
  }

  private trim(): void {
    for (const id of this.timelines.keys()) {
      if (this.timelines.size <= KEPT_TIMELINES) break;
      if (id !== this.selectedRun) this.timelines.delete(id);
    }
  }
}
