/**
 * `runScenario(scenario, { target, seed })`: opens the run's watch connection, subscribes every filter its
 * expectations read, runs the steps in order (the first failure skips the rest), then always runs the scenario's
 * `cleanup` steps and unwinds the cleanup stack, also after a timeout or an abort (Ctrl-C). Events go to `events`.
 */
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { EngineError, silentLogger, TypedEmitter, type Logger } from '../../core/index.js';
import type { Scenario } from '../format/types.js';
import { stepArgProblems } from '../format/schema-problems.js';
import { missingCapability, mqttLogin, type Target } from '../targets/index.js';
import { stepDefinition } from '../steps/index.js';
import type { ClientOptions, IncludedScenario, StepCall, StepContext, StepOutcome } from '../steps/step.js';
import { needsRegistration } from '../provision/index.js';
import { RunCleanup } from './cleanup.js';
import { RunDevices, type KeptDevices } from './devices.js';
import type { RunResult, ScenarioEvents, StepRecord, StepStatus } from './events.js';
import { RealRunClock, VirtualRunClock } from './run-clock.js';
import { RunVariables } from './variables.js';
import { RunWatch } from './watch.js';

export interface RunOptions {
  target: Target;
  /** Overrides the scenario's seed; without either, a random seed (reported, so `--seed` repeats the run). */
  seed?: number;
  /** Overrides the scenario's `deterministic`. */
  deterministic?: boolean;
  /** Where events go (a new emitter when not given); reporters listen here. */
  events?: TypedEmitter<ScenarioEvents>;
  /** Attached to `events` before the run starts. */
  reporter?: { attach(events: TypedEmitter<ScenarioEvents>): void };
  /** Aborting it stops the run; cleanup still runs. */
  signal?: AbortSignal;
  logger?: Logger;
  /** Custom device models come from `<dataDir>/models`. */
  dataDir?: string;
  /** Variables that override the scenario's. */
  vars?: Record<string, unknown>;
  /** How long each device may take to connect (default 15 s; a fleet: 30 s or 10 ms a device). */
  connectTimeoutMs?: number;
  /**
   * Called with every file a step or device names (model, replay and function files) before it is read; throws to
   * refuse it. A run started through the engine contract reads only inside the folders it allows.
   */
  checkFile?: (path: string) => void;
  /**
   * What `provision` steps make stays on the target after the run instead of being deleted at its end (a lab's
   * starting state and its solution: the lab's checks look at it, `lab reset` removes it).
   */
  keepResources?: boolean;
  /** Tags put on what `provision` and `aws` steps create, where the AWS API takes tags at creation. */
  tags?: Record<string, string>;
  /**
   * What a `provision` or `aws` step creates may exist already (a lab half done by hand, then solved): bring it to
   * the step's definition instead of failing (`ifExists: update` by default, `aws`'s known Create calls converged).
   */
  converge?: boolean;
  /**
   * The devices the run starts outlive it: when the run passes they are handed to this callback, running (a lab's
   * starting state: its motor keeps answering deltas); when it fails they are stopped as usual. Not with a virtual clock.
   */
  onKeptDevices?: (devices: KeptDevices) => void;
}

/** Why a run stopped early: an abort from outside (Ctrl-C) or the scenario's timeout. */
export class RunAborted extends Error {}

interface Walked { call: StepCall; file: string }

/** Every step call of a scenario: nested lists and included files too. */
function walk(scenario: Scenario): Walked[] {
  const out: Walked[] = [];
  const visit = (calls: StepCall[], file: string) => {
    for (const call of calls) {
      out.push({ call, file });
      const def = stepDefinition(call.step);
      for (const key of def?.stepLists ?? []) {
        const nested = (call.args as Record<string, unknown> | undefined)?.[key];
        if (Array.isArray(nested)) visit(nested as StepCall[], file);
      }
    }
  };
  visit(scenario.steps, scenario.file);
  visit(scenario.cleanup, scenario.file);
  for (const inc of scenario.includes.values()) visit(inc.steps, inc.file);
  return out;
}

/**
 * What the target cannot do for this scenario, one sentence each (empty: it can run). Checked before anything starts.
 */
export function refusals(scenario: Scenario, target: Target): string[] {
  const out = new Set<string>();
  for (const { call } of walk(scenario)) {
    const def = stepDefinition(call.step);
    if (!def) continue;
    const missing = missingCapability(target, def.needs ?? [], `the ${call.step} step${call.where ? ` at ${call.where}` : ''}`);
    if (missing) out.add(missing);
    for (const why of def.refuse?.(call.args, target) ?? []) out.add(`${call.where ? `${call.where}: ` : ''}${why}`);
  }
  return [...out];
}

const newSeed = () => randomBytes(4).readUInt32BE(0);

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const { target } = opts;
  const events = opts.events ?? new TypedEmitter<ScenarioEvents>();
  opts.reporter?.attach(events);
  const logger = opts.logger ?? silentLogger;
  const seed = opts.seed ?? scenario.seed ?? newSeed();
  const deterministic = opts.deterministic ?? scenario.deterministic ?? false;

  const refused = refusals(scenario, target);
  if (refused.length) throw new EngineError('InvalidInput', refused.join('\n'), { reason: 'TargetRefused' });

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(new RunAborted('the run was aborted'));
  let timeout: NodeJS.Timeout | undefined;

  const runTag = randomBytes(3).toString('hex');
  const cleanup = new RunCleanup();
  const clients: MqttClient[] = [];
  const t0 = performance.now();
  let watch: RunWatch | undefined;
  const baseDir = dirname(resolve(scenario.file));
  let ids = 0;
  let clientCount = 0;

  const connectClient = async (o: ClientOptions = {}): Promise<MqttClient> => {
    // A device's own certificate needs the target's mutual TLS endpoint.
    const endpoint = target.mqtt(o.certificate ? o.transport ?? 'mqtts' : o.transport);
    const clientId = o.clientId ?? `tb-${runTag}-${++clientCount}`;
    // Reconnects (and resubscribes) on its own once it was connected: an engine restart does not end the run's clients.
    const client = mqtt.connect(endpoint.url, {
      clientId, reconnectPeriod: 500, connectTimeout: 10_000, protocolVersion: o.protocolVersion ?? 4, clean: o.clean ?? true,
      ...(endpoint.tls ?? {}), ...(o.certificate ? { cert: o.certificate.cert, key: o.certificate.key } : {}), ...mqttLogin(endpoint),
    });
    clients.push(client);
    try {
      await new Promise<void>((ok, fail) => {
        client.once('connect', () => ok());
        client.once('error', (e) => fail(new EngineError('Unavailable', `cannot connect to the target '${target.name}' at ${endpoint.url} as '${clientId}': ${e.message}`)));
        client.once('close', () => fail(new EngineError('Unavailable', `cannot connect to the target '${target.name}' at ${endpoint.url} as '${clientId}': the connection closed before CONNACK`)));
      });
    } catch (e) {
      await client.endAsync(true).catch(() => undefined);
      throw e;
    }
    client.on('error', (e) => logger.log('warn', 'scenarios.run', `client ${clientId}: ${e.message}`));
    return client;
  };
  let defaultClient: Promise<MqttClient> | undefined;
  const namedClients = new Map<string, Promise<MqttClient>>();

  // Deterministic mode's settle: devices done connecting, then marker round trips until nothing new happens.
  let devices: RunDevices | undefined = undefined;
  const activity = () => (watch?.received ?? 0) + (devices?.inProcess() ?? []).reduce((n, d) => n + d.stats.published + d.stats.acked + d.stats.connects + d.stats.deltasApplied + d.stats.deltasRefused + d.stats.commandsAnswered, 0);
  const settle = async () => {
    for (const d of devices?.inProcess() ?? []) {
      if (d.state !== 'connecting') continue;
      await new Promise<void>((ok) => {
        const subs = [d.events.on('connected', () => done()), d.events.on('disconnected', () => done())];
        const timer = setTimeout(() => done(), 10_000);
        const done = () => {
          clearTimeout(timer);
          subs.forEach((s) => s.dispose());
          ok();
        };
      });
    }
    for (let i = 0; i < 20; i++) {
      const before = activity();
      await watch?.settle();
      if (activity() === before) return;
    }
  };
  const clock = deterministic ? new VirtualRunClock(controller.signal, settle) : new RealRunClock(controller.signal);
  const vars = new RunVariables({ ...scenario.variables, ...(opts.vars ?? {}) });
  const log0 = (id?: string) => ({
    info: (message: string, details?: Record<string, unknown>) => events.emit('step.log', { ...(id ? { id } : {}), level: 'info', message, ...(details ? { details } : {}) }),
    warn: (message: string, details?: Record<string, unknown>) => events.emit('step.log', { ...(id ? { id } : {}), level: 'warn', message, ...(details ? { details } : {}) }),
    progress: (message: string, done?: number, total?: number) => events.emit('step.progress', { id: id ?? '', message, ...(done !== undefined ? { done } : {}), ...(total !== undefined ? { total } : {}) }),
  });
  devices = new RunDevices(scenario.devices, { target, seed, clock, baseDir, cleanup, log: log0(), dataDir: opts.dataDir, connectTimeoutMs: opts.connectTimeoutMs, checkFile: opts.checkFile, interpolate: (text) => vars.interpolate(text), keep: opts.onKeptDevices !== undefined && !deterministic });
  // Bad device models, and models the target cannot serve, are bad input: found before anything connects.
  const deviceRefusals = new Set<string>();
  for (const decl of scenario.devices) {
    const { model } = devices.model(decl.name);
    const what = `device '${decl.name}' (model ${model.name}, at ${decl.where})`;
    const needs: Array<'controlPlane' | 'shadows'> = [];
    if (needsRegistration(model)) needs.push('controlPlane');
    if (model.shadow) needs.push('shadows');
    const missing = missingCapability(target, needs, what);
    if (missing) deviceRefusals.add(missing);
  }
  if (deviceRefusals.size) throw new EngineError('InvalidInput', [...deviceRefusals].join('\n'), { reason: 'TargetRefused' });

  const abortPromise = new Promise<never>((_, reject) => {
    const fire = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fire();
    else controller.signal.addEventListener('abort', fire, { once: true });
  });
  abortPromise.catch(() => undefined);

  const makeContext = (id: string, scope: RunVariables, dir: string, depth: number, inCleanup: boolean, signal: AbortSignal): StepContext => {
    let children = 0;
    return {
    target,
    vars: scope,
    seed,
    clock,
    signal,
    mqtt: (o?: ClientOptions) => {
      if (!o || !Object.keys(o).length) return (defaultClient ??= connectClient());
      // One client per set of options for the whole run: two clients with one id would take each other over.
      const key = JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
      let client = namedClients.get(key);
      if (!client) {
        client = connectClient(o);
        namedClients.set(key, client);
        client.catch(() => namedClients.delete(key));
      }
      return client;
    },
    devices: devices!,
    messages: { inbox: (filter, qos) => watch!.inbox(filter, qos), settle: () => watch!.settle() },
    cleanup,
    keepResources: opts.keepResources ?? false,
    ...(opts.tags ? { tags: opts.tags } : {}),
    ...(opts.converge ? { converge: true } : {}),
    log: log0(id),
    logger,
    resolvePath: (p: string) => {
      const file = resolve(dir, p);
      opts.checkFile?.(file);
      return file;
    },
    uniqueId: (prefix: string) => `${prefix}-${seed}-${++ids}`,
    runSteps: async (steps, o = {}) => {
      const first = children;
      children += steps.length;
      return (await runList(steps, `${id}.`, o.vars ? scope.child(o.vars) : scope, o.baseDir ?? dir, depth + 1, inCleanup, signal, first)).outcome;
    },
    included: (p: string): IncludedScenario => {
      const inc = scenario.includes.get(resolve(dir, p));
      if (!inc) throw new EngineError('NotFound', `the scenario file '${p}' was not loaded with the scenario`);
      return { file: inc.file, variables: inc.variables, steps: inc.steps };
    },
    };
  };

  const runCall = async (call: StepCall, id: string, scope: RunVariables, dir: string, depth: number, inCleanup: boolean, signal: AbortSignal): Promise<StepRecord> => {
    const def = stepDefinition(call.step);
    const started = clock.elapsed();
    const startedReal = performance.now();
    events.emit('step.started', { id, step: call.step, ...(call.label ? { label: call.label } : {}), ...(call.where ? { where: call.where } : {}), depth, cleanup: inCleanup });
    const children: StepRecord[] = [];
    const childSub = events.on('step.finished', (r) => {
      if (r.id.startsWith(`${id}.`) && r.id.split('.').length === id.split('.').length + 1) children.push(r);
    });
    let status: StepStatus;
    let outcome: StepOutcome | undefined;
    let message: string | undefined;
    try {
      if (!def) throw new EngineError('InvalidInput', `unknown step '${call.step}'`);
      const raw = new Set([...(def.rawArgs ?? []), ...(def.stepLists ?? [])]);
      let args: unknown;
      if (call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args) && raw.size) {
        args = Object.fromEntries(Object.entries(call.args).map(([k, v]) => [k, raw.has(k) ? v : scope.interpolate(v)]));
      } else args = scope.interpolate(call.args);
      if (!def.stepLists?.length && JSON.stringify(call.args ?? null).includes('${')) {
        const problems = stepArgProblems(call.step, args);
        if (problems.length) throw new EngineError('InvalidInput', `after interpolation, ${problems.join('; ')}`);
      }
      outcome = await Promise.race([def.run(makeContext(id, scope, dir, depth, inCleanup, signal), args), signal === controller.signal ? abortPromise : new Promise<never>(() => undefined)]);
      status = outcome.status;
    } catch (e) {
      if (signal.aborted) {
        status = 'aborted';
        message = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      } else {
        status = 'failed';
        message = (e as Error).message;
        if (!(e instanceof EngineError)) logger.log('error', 'scenarios.run', `step ${call.step} threw`, { stack: (e as Error).stack });
      }
    } finally {
      childSub.dispose();
    }
    const record: StepRecord = {
      id, step: call.step, ...(call.label ? { label: call.label } : {}), ...(call.where ? { where: call.where } : {}), depth, status,
      durationMs: Math.round(clock.virtual ? clock.elapsed() - started : performance.now() - startedReal),
      ...(outcome?.status === 'passed' && outcome.note ? { note: outcome.note } : {}),
      ...(outcome?.status === 'failed' ? { message: outcome.message, ...(outcome.expected !== undefined ? { expected: outcome.expected } : {}), ...(outcome.seen ? { seen: outcome.seen } : {}) } : {}),
      ...(message !== undefined ? { message } : {}),
      children,
    };
    const messages = outcome?.status === 'passed' ? outcome.messages : undefined;
    events.emit('step.finished', { ...record, cleanup: inCleanup, ...(messages ? { messages } : {}) });
    return record;
  };

  async function runList(calls: StepCall[], prefix: string, scope: RunVariables, dir: string, depth: number, inCleanup: boolean, signal: AbortSignal, first = 0): Promise<{ records: StepRecord[]; outcome: StepOutcome }> {
    const records: StepRecord[] = [];
    let outcome: StepOutcome = { status: 'passed' };
    for (let i = 0; i < calls.length; i++) {
      const id = `${prefix}${first + i + 1}`;
      const call = calls[i];
      if (outcome.status === 'failed' && !inCleanup) {
        const skipped: StepRecord = { id, step: call.step, ...(call.label ? { label: call.label } : {}), ...(call.where ? { where: call.where } : {}), depth, status: 'skipped', durationMs: 0, children: [] };
        records.push(skipped);
        events.emit('step.finished', { ...skipped, cleanup: inCleanup });
        continue;
      }
      const r = await runCall(call, id, scope, dir, depth, inCleanup, signal);
      records.push(r);
      if (r.status !== 'passed' && outcome.status === 'passed') {
        outcome = { status: 'failed', message: `${r.label ?? r.step}${r.where ? ` (${r.where})` : ''}: ${r.message ?? r.status}`, ...(r.expected !== undefined ? { expected: r.expected } : {}), ...(r.seen ? { seen: r.seen } : {}) };
      }
    }
    return { records, outcome };
  }

  // Armed once the run is accepted: a scenario refused above leaves no timer or listener behind.
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (scenario.timeoutMs !== undefined) {
    timeout = setTimeout(() => controller.abort(new RunAborted(`the scenario did not finish within its timeout of ${scenario.timeoutMs} ms`)), scenario.timeoutMs);
  }
  events.emit('run.started', { scenario: scenario.name, file: scenario.file, target: target.name, seed, deterministic, steps: scenario.steps.length });
  let stepRecords: StepRecord[] = [];
  let cleanupRecords: StepRecord[] = [];
  let message: string | undefined;
  let status: RunResult['status'] = 'passed';
  try {
    try {
      const watchClient = await connectClient({ clientId: `tb-${runTag}-watch` });
      watch = await RunWatch.open(watchClient, `tb-run/${runTag}/marker`, () => clock.elapsed());
      for (const { call } of walk(scenario)) {
        const filters = stepDefinition(call.step)?.filters?.(call.args) ?? [];
        for (const f of filters) {
          // A filter naming variables the run already has (its --var, a lab's names) is watched from the start too.
          const known = f.includes('${') ? knownAtStart(vars, f) : f;
          if (known !== undefined) await watch.inbox(known);
        }
      }
      const { records, outcome } = await runList(scenario.steps, '', vars, baseDir, 0, false, controller.signal);
      stepRecords = records;
      if (outcome.status === 'failed') {
        status = records.some((r) => r.status === 'aborted') ? 'aborted' : 'failed';
        message = outcome.message;
      }
    } catch (e) {
      status = controller.signal.aborted ? 'aborted' : 'failed';
      message = controller.signal.aborted ? (controller.signal.reason as Error).message : (e as Error).message;
    }
    // The scenario's own cleanup steps, with a signal of their own: they run after an abort too.
    if (scenario.cleanup.length) {
      const cleanupSignal = AbortSignal.timeout(60_000);
      if (!watch) {
        try {
          const watchClient = await connectClient({ clientId: `tb-${runTag}-watch` });
          watch = await RunWatch.open(watchClient, `tb-run/${runTag}/marker`, () => clock.elapsed());
        } catch {
          // The target cannot be reached: the cleanup steps fail one by one below and say so.
        }
      }
      const { records } = await runList(scenario.cleanup, 'cleanup.', vars, baseDir, 0, true, cleanupSignal);
      cleanupRecords = records;
    }
  } finally {
    clearTimeout(timeout);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (opts.onKeptDevices && !deterministic && devices) {
    const kept = devices.handOver();
    if (status === 'passed') {
      if (kept.names.length) opts.onKeptDevices(kept);
    } else await kept.stop();
  }
  const cleanupErrors = await cleanup.unwind((description, error) => events.emit('cleanup.finished', { description, ok: error === undefined, ...(error ? { error } : {}) }));
  // A clean DISCONNECT after what each client wrote (a QoS 0 publish just before the end still goes out).
  await Promise.all(clients.map((c) => closeClient(c)));
  const result: RunResult = {
    scenario: scenario.name, file: scenario.file, target: target.name, seed, deterministic, status,
    durationMs: Math.round(performance.now() - t0), steps: stepRecords, cleanup: cleanupRecords, cleanupErrors,
    ...(message !== undefined ? { message } : {}),
  };
  events.emit('run.finished', result);
  return result;
}

async function closeClient(c: MqttClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    c.endAsync(false).catch(() => undefined),
    new Promise<void>((ok) => { timer = setTimeout(ok, 5_000); }),
  ]);
  clearTimeout(timer);
  if (!c.disconnected) await c.endAsync(true).catch(() => undefined);
}

/** The filter with the variables the run starts with filled in, or undefined when it names one set later. */
function knownAtStart(vars: RunVariables, filter: string): string | undefined {
  try {
    const f = vars.interpolate(filter);
    return typeof f === 'string' ? f : undefined;
  } catch {
    return undefined;
  }
}
