/**
 * `startLab`: the lab's starting state on a target. What an earlier run left under the lab's names is refused (or,
 * with `fresh`, removed first), so a check never passes on it; then the `start:` steps run through the scenario
 * runner with the lab's variables, and what they make stays (the lab's checks look at it; `lab reset` removes it).
 * `solveLab`: runs `solution.yaml` as a scenario with the lab's variables; what it makes stays too. Both tag what they
 * create (`thingbench:lab`, `thingbench:attendee`) where the AWS API takes tags at creation.
 */
import { readFileSync } from 'node:fs';
import { EngineError, TypedEmitter, type Logger } from '../../core/index.js';
import { loadScenario, runScenario, type KeptDevices, type RunResult, type Scenario, type ScenarioEvents, type Target } from '../../scenarios/index.js';
import { defaultAttendee, labEnv, labNames, labVariables, type LabEnvOptions } from '../format/env.js';
import { resolveAccount } from '../format/account.js';
import type { Lab } from '../format/types.js';
import { labInventory, resetLab, type LabResource } from './reset.js';

export interface LabRunOptions extends LabEnvOptions {
  /** Runner events (steps started and finished, logs): progress for a CLI or the UI. */
  events?: TypedEmitter<ScenarioEvents>;
  signal?: AbortSignal;
  logger?: Logger;
  /** Custom device models come from `<dataDir>/models`. */
  dataDir?: string;
}

export interface StartLabOptions extends LabRunOptions {
  /** Remove what an earlier run left under the lab's names instead of refusing to start. */
  fresh?: boolean;
}

export interface StartedLab {
  lab: number;
  slug: string;
  target: string;
  attendee: string;
  names: Record<string, string>;
  env: Record<string, string>;
  startedAt: number;
  /** What `fresh` removed. */
  removed: LabResource[];
  /** The start steps' run (absent when the lab has none). */
  run?: RunResult;
  /**
   * The lab's devices (a motor that answers deltas), still running: whoever started the lab stops them (on reset, or
   * when the engine or the foreground `lab start` ends).
   */
  devices?: KeptDevices;
}

const describe = (r: LabResource) => `${r.kind} ${r.name}`;

/** The lab's start steps as a scenario of their own. */
function startScenario(lab: Lab): Scenario {
  return { file: lab.file, name: `lab ${lab.id} start`, variables: {}, devices: lab.devices, steps: lab.start, cleanup: [], includes: new Map() };
}

/** The variables a scenario run of the lab sees: the names, account, region, attendee, lab, endpoint. */
const runVars = (lab: Lab, target: Target, attendee: string) => labVariables(lab, target, { attendee });

/**
 * The tags a lab's start and solution put on what they create, where the AWS API takes tags at creation: on AWS they
 * find (and bill) a lab's resources per lab and attendee in the console, Cost Explorer or the Resource Groups Tagging
 * API.
 */
export const labTags = (lab: Lab, attendee: string): Record<string, string> => ({ 'thingbench:lab': String(lab.id), 'thingbench:attendee': attendee });

export async function startLab(lab: Lab, target: Target, opts: StartLabOptions = {}): Promise<StartedLab> {
  const attendee = opts.attendee ?? defaultAttendee();
  await resolveAccount(target);
  const left = await labInventory(lab, target, { attendee });
  let removed: LabResource[] = [];
  if (left.length && !opts.fresh) {
    throw new EngineError('Conflict', `lab ${lab.id} was already started on '${target.name}' for ${attendee}: ${left.slice(0, 5).map(describe).join(', ')}${left.length > 5 ? ` and ${left.length - 5} more` : ''} exist; reset it first (lab reset ${lab.id}) or start it fresh`, { reason: 'LabInUse', resources: left });
  }
  if (left.length) {
    const reset = await resetLab(lab, target, { attendee });
    if (reset.errors.length) throw new EngineError('Conflict', `lab ${lab.id} could not start fresh on '${target.name}': ${reset.errors.join('; ')}`, { reason: 'LabInUse' });
    removed = reset.removed;
  }
  const startedAt = Date.now();
  let run: RunResult | undefined;
  let devices: KeptDevices | undefined;
  if (lab.start.length) {
    run = await runScenario(startScenario(lab), {
      target, vars: runVars(lab, target, attendee), tags: labTags(lab, attendee), keepResources: true, onKeptDevices: (d) => { devices = d; },
      events: opts.events, signal: opts.signal, logger: opts.logger, dataDir: opts.dataDir,
    });
    if (run.status !== 'passed') throw new EngineError('Unavailable', `lab ${lab.id}'s starting state could not be set up on '${target.name}': ${run.message ?? run.status}`, { reason: 'StartFailed' });
  }
  return {
    lab: lab.id, slug: lab.slug, target: target.name, attendee, names: labNames(lab, { attendee }),
    env: labEnv(lab, target, { ...opts, attendee }), startedAt, removed, ...(run ? { run } : {}), ...(devices ? { devices } : {}),
  };
}

/** Loads the lab's reference solution (InvalidInput with `file:line:col` problems). */
export function loadSolution(lab: Lab): Scenario {
  return loadScenario(readFileSync(lab.solutionFile, 'utf8'), lab.solutionFile);
}

/**
 * Runs the solution. A lab with a starting state that nothing on the target shows (an attendee who never started it)
 * is started first, so the solution finds its motor or its other device; the devices that start runs stop when the
 * solution ends (what they did stays: shadows, messages).
 */
export async function solveLab(lab: Lab, target: Target, opts: LabRunOptions = {}): Promise<RunResult> {
  const attendee = opts.attendee ?? defaultAttendee();
  await resolveAccount(target);
  const scenario = loadSolution(lab);
  const events = opts.events ?? new TypedEmitter<ScenarioEvents>();
  const started = lab.start.length && !(await labInventory(lab, target, { attendee })).length ? await startLab(lab, target, { ...opts, attendee, events }) : undefined;
  try {
    // converge: what the attendee made already (a half-done lab) is brought to the solution, not refused.
    return await runScenario(scenario, { target, vars: runVars(lab, target, attendee), tags: labTags(lab, attendee), keepResources: true, converge: true, events, signal: opts.signal, logger: opts.logger, dataDir: opts.dataDir });
  } finally {
    await started?.devices?.stop();
  }
}
