/**
 * Scenario runs for the contract (`scenarios.*`): validate a scenario's text, run one (its text, or a file from
 * `<dataDir>/scenarios` or the shipped examples) against the engine itself, list and cancel runs, and forward every
 * runner event as a `step` event tagged with its run. Every run is cancelled (its cleanup still runs) when the engine
 * stops.
 *
 * A run or a replay goes to the engine itself unless it names a target profile (`<dataDir>/targets.json`), which is
 * opened as `thingbench run --target` opens it and closed when the run ends.
 *
 * LIMITATIONS: files are read only from `<dataDir>/scenarios` and the shipped `scenarios/` folder (no arbitrary path
 * from the UI); a scenario's own `target:` is not followed (the app's selected target is).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ReplayInput, ReplayResult, ScenarioFile, ScenarioProblem, ScenarioRunInfo, ScenarioRunInput, ScenarioRunResult, ScenarioStepEvent } from '../../contract/index.js';
import { EngineError, TypedEmitter, type Logger, type Problem, type Service } from '../../core/index.js';
import { loadScenario } from '../format/load.js';
import { parseRecording } from '../record/recording-format.js';
import { replay } from '../record/replayer.js';
import { scenarioSchema } from '../format/schema.js';
import type { Scenario } from '../format/types.js';
import type { RunResult, ScenarioEvents } from '../run/events.js';
import { runScenario } from '../run/runner.js';
import { loadProfiles, openTarget, type Target } from '../targets/index.js';

/** The shipped example scenarios (`scenarios/` at the repository root). */
export const EXAMPLE_SCENARIOS_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

export interface ScenariosServiceOptions {
  dataDir: string;
  /** The engine as a run's target (made when a run starts: the engine listens by then). */
  target(): Target;
  logger: Logger;
}

export interface ScenariosServiceEvents {
  step: ScenarioStepEvent;
}

const KEPT_FINISHED = 20;
const noClose = async (): Promise<void> => undefined;
const MAX_SPEED = 1000;
const RUNNER_EVENTS: ReadonlyArray<keyof ScenarioEvents> = ['run.started', 'step.started', 'step.progress', 'step.log', 'step.finished', 'cleanup.finished', 'run.finished'];

interface Run {
  info: ScenarioRunInfo;
  controller: AbortController;
  done: Promise<void>;
}

export class ScenariosService implements Service {
  readonly name = 'scenarios';
  readonly events = new TypedEmitter<ScenariosServiceEvents>();
  private readonly runs = new Map<string, Run>();
  private readonly finished: ScenarioRunInfo[] = [];
  private nextId = 1;
  private closing = false;
  private replaying: { controller: AbortController; done: Promise<unknown> } | undefined;

  constructor(private readonly opts: ScenariosServiceOptions) {}

  async start(): Promise<void> {
    this.closing = false;
  }

  /** Cancels every run and waits for their cleanup. */
  async stop(): Promise<void> {
    this.closing = true;
    this.stopReplay();
    await this.replaying?.done.catch(() => undefined);
    const running = [...this.runs.values()];
    for (const r of running) r.controller.abort();
    await Promise.all(running.map((r) => r.done));
  }

  private get scenariosDir(): string {
    return join(this.opts.dataDir, 'scenarios');
  }

  /** Every problem of a scenario's text, as `file:line:col`; empty when it would run. Never throws for a bad scenario. */
  validate(text: string, file = 'scenario.yaml'): ScenarioProblem[] {
    try {
      loadScenario(text, this.inScenariosDir(file), { readFile: (p) => this.readAllowed(p) });
      return [];
    } catch (e) {
      const problems = e instanceof EngineError ? (e.details as { problems?: Problem[] } | undefined)?.problems : undefined;
      if (!problems) throw e;
      return problems.map(({ file: f, line, col, message }) => ({ file: f, line, col, message }));
    }
  }

  /** Loads the scenario (InvalidInput with every problem), starts it, and resolves with its run at once. */
  async run(input: ScenarioRunInput): Promise<ScenarioRunInfo> {
    if (this.closing) throw new EngineError('Unavailable', 'the engine is stopping');
    if ((input.text === undefined) === (input.path === undefined)) throw new EngineError('InvalidInput', 'give the scenario as text or as a path, not both');
    const scenario = this.load(input);
    // As `thingbench run`: the caller's target, else the scenario's own, else the caller's default.
    const { target, close } = await this.openTarget(input.target ?? scenario.target ?? input.defaultTarget);
    if (this.closing) {
      await close();
      throw new EngineError('Unavailable', 'the engine is stopping');
    }
    const id = `run-${this.nextId++}`;
    const info: ScenarioRunInfo = {
      id, scenario: scenario.name, file: scenario.file, state: 'running', startedAt: Date.now(),
      ...(input.seed ?? scenario.seed) !== undefined ? { seed: input.seed ?? scenario.seed } : {},
      ...(close !== noClose ? { target: target.name } : {}),
    };
    const controller = new AbortController();
    const events = new TypedEmitter<ScenarioEvents>();
    for (const kind of RUNNER_EVENTS) {
      events.on(kind, (data) => {
        if (kind === 'run.started') info.seed = (data as ScenarioEvents['run.started']).seed;
        this.events.emit('step', { runId: id, kind, data } as ScenarioStepEvent);
      });
    }
    const done = runScenario(scenario, {
      target, events, signal: controller.signal, logger: this.opts.logger, dataDir: this.opts.dataDir, checkFile: (f) => this.checkFile(f),
      ...(input.seed !== undefined ? { seed: input.seed } : {}), ...(input.deterministic !== undefined ? { deterministic: input.deterministic } : {}),
    }).then((result) => {
      info.result = contractResult(result);
      info.state = result.status;
    }, (e: Error) => {
      info.state = 'error';
      info.error = e.message;
      this.opts.logger.log('warn', 'scenarios', `${id} (${scenario.name}) could not run: ${e.message}`);
    }).finally(async () => {
      await close().catch((e: Error) => this.opts.logger.log('warn', 'scenarios', `${id}: closing the target '${target.name}': ${e.message}`));
      this.runs.delete(id);
      this.finished.unshift(info);
      this.finished.length = Math.min(this.finished.length, KEPT_FINISHED);
    });
    this.runs.set(id, { info, controller, done });
    this.opts.logger.log('info', 'scenarios', `${id}: ${scenario.name} (${scenario.file})${info.target ? ` on ${info.target}` : ''}`);
    return { ...info };
  }

  list(): ScenarioRunInfo[] {
    return [...[...this.runs.values()].map((r) => ({ ...r.info })), ...this.finished.map((i) => ({ ...i }))];
  }

  /** Aborts a run; resolves once its cleanup has run, with the run as it ended. A finished run is returned as it is. */
  async cancel(id: string): Promise<ScenarioRunInfo> {
    const run = this.runs.get(id);
    if (!run) {
      const done = this.finished.find((i) => i.id === id);
      if (done) return { ...done };
      throw new EngineError('NotFound', `no scenario run '${id}'`);
    }
    run.controller.abort();
    await run.done;
    return { ...run.info };
  }

  /** The shipped examples, then the files of `<dataDir>/scenarios` (top level), by file name. */
  files(): ScenarioFile[] {
    return [...scenarioFiles(EXAMPLE_SCENARIOS_DIR, 'examples/', true), ...scenarioFiles(this.scenariosDir, '', false)];
  }

  /** The scenario file's JSON Schema (the one `schemas/scenario.schema.json` is written from). */
  schema(): Record<string, unknown> {
    return structuredClone(scenarioSchema);
  }

  /** Plays a recording into the engine as its original publishers; one replay at a time. */
  async replay(input: ReplayInput): Promise<ReplayResult> {
    if (this.closing) throw new EngineError('Unavailable', 'the engine is stopping');
    if (this.replaying) throw new EngineError('Conflict', 'a replay is playing: stop it first');
    const speed = input.speed ?? 1;
    if (!(speed > 0 && speed <= MAX_SPEED)) throw new EngineError('InvalidInput', `speed must be above 0 and at most ${MAX_SPEED}, not ${speed}`);
    const parsed = parseRecording(input.recording, 'recording.jsonl');
    if (parsed.errors.length) throw new EngineError('InvalidInput', parsed.errors.join('\n'), { problems: parsed.errors });
    if (!parsed.messages.length) throw new EngineError('InvalidInput', 'the recording has no messages');
    const controller = new AbortController();
    this.replaying = { controller, done: Promise.resolve() }; // held while the target opens
    let opened: { target: Target; close: () => Promise<void> };
    try {
      opened = await this.openTarget(input.target);
    } catch (e) {
      this.replaying = undefined;
      throw e;
    }
    const mqtt = opened.target.mqtt();
    const done = replay(parsed.messages, {
      mqttUrl: mqtt.url, ...(mqtt.tls ? { tls: mqtt.tls } : {}), ...(mqtt.username !== undefined ? { login: { username: mqtt.username, password: mqtt.password } } : {}),
      speed, signal: controller.signal, anonymousClientId: 'thingbench-replay',
      ...(input.clientIdPrefix ? { clientIdPrefix: input.clientIdPrefix } : {}),
    });
    this.replaying = { controller, done };
    this.opts.logger.log('info', 'scenarios', `replaying ${parsed.messages.length} message(s) at ${speed}×${input.target ? ` into ${opened.target.name}` : ''}`);
    try {
      const s = await done;
      return { messages: s.messages, failed: s.failed, errors: s.errors, clients: s.clients, durationMs: s.durationMs, lagMs: s.lagMs, stopped: controller.signal.aborted };
    } finally {
      this.replaying = undefined;
      await opened.close().catch(() => undefined);
    }
  }

  /** Stops the replay that is playing; false when none was. */
  stopReplay(): boolean {
    if (!this.replaying) return false;
    this.replaying.controller.abort();
    return true;
  }

  /**
   * The engine itself for no name (or `local` when no profile has that name), else the profile opened as
   * `thingbench run --target` opens it (NotFound for an unknown name, Unavailable for an endpoint that cannot be reached).
   */
  private async openTarget(name: string | undefined): Promise<{ target: Target; close: () => Promise<void> }> {
    if (name === undefined || (name === 'local' && !loadProfiles(this.opts.dataDir).has('local'))) return { target: this.opts.target(), close: noClose };
    const target = await openTarget(name, { dataDir: this.opts.dataDir, logger: this.opts.logger });
    return { target, close: () => target.close() };
  }

  private load(input: ScenarioRunInput): Scenario {
    const readFile = (p: string) => this.readAllowed(p);
    if (input.text !== undefined) return loadScenario(input.text, this.inScenariosDir('scenario.yaml'), { readFile });
    const file = this.resolvePath(input.path!);
    return loadScenario(readAllowedFile(file), file, { readFile });
  }

  private inScenariosDir(file: string): string {
    return isAbsolute(file) ? file : join(this.scenariosDir, file);
  }

  /** `examples/<file>` is a shipped example; anything else is relative to `<dataDir>/scenarios`. */
  private resolvePath(p: string): string {
    if (isAbsolute(p)) throw new EngineError('InvalidInput', `a scenario path is relative to ${this.scenariosDir} (or examples/… for the shipped examples), not absolute: '${p}'`);
    const [root, rest] = p.startsWith('examples/') ? [EXAMPLE_SCENARIOS_DIR, p.slice('examples/'.length)] : [this.scenariosDir, p];
    const file = resolve(root, rest);
    if (!/\.ya?ml$/i.test(file)) throw new EngineError('InvalidInput', `a scenario file ends in .yaml or .yml, not '${p}'`);
    if (!existsSync(file)) throw new EngineError('NotFound', `no scenario file '${p}' in ${root}`);
    if (!this.allowed(file)) throw new EngineError('Forbidden', `'${p}' is outside ${root}`);
    return file;
  }

  /** Scenario files (and their includes) are read only inside `<dataDir>/scenarios` and the shipped examples. */
  private allowed(file: string): boolean {
    const real = existsSync(file) ? realpathSync(file) : resolve(file);
    return [this.scenariosDir, EXAMPLE_SCENARIOS_DIR].some((root) => {
      const base = existsSync(root) ? realpathSync(root) : resolve(root);
      const rel = relative(base, real);
      return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
    });
  }

  /** Model, replay and function files that a step names: the same folders as scenario files. */
  private checkFile(file: string): void {
    if (!this.allowed(file)) throw new EngineError('Forbidden', `a scenario run through the engine reads files only inside ${this.scenariosDir} or the shipped examples, not '${file}'`);
  }

  private readAllowed(file: string): string {
    if (!this.allowed(file)) throw new Error(`an included file must be inside ${this.scenariosDir} or the shipped examples`);
    return readAllowedFile(file);
  }
}

/** The `.yaml`/`.yml` files directly in `dir`, each with its scenario's name and description when it parses. */
function scenarioFiles(dir: string, prefix: string, example: boolean): ScenarioFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name)).map((e) => e.name).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      doc = undefined;
    }
    const fields = doc && typeof doc === 'object' ? doc as { name?: unknown; description?: unknown } : {};
    return {
      path: prefix + name, name: typeof fields.name === 'string' && fields.name ? fields.name : name, example, text,
      ...(typeof fields.description === 'string' ? { description: fields.description.trim() } : {}),
    };
  });
}

function readAllowedFile(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The runner's result is the contract's shape (checked here at compile time). */
function contractResult(r: RunResult): ScenarioRunResult {
  return r;
}
