import { EngineError } from '../../core/index.js';
import {
  compileExpression, compileStateMachine, compileTemplate, contextScope, createDeviceContext, createFieldSampler, createRng, parseSchedule, renderTemplate,
  type AwsCommandsBehaviour, type DeviceContext, type DeviceModel, type JobBehaviour, type ReplayData, type Schedule,
} from '../model/index.js';
import type { AwsCommandsSpec, CommandBehaviour, DeviceSpec, JobsSpec, TelemetrySpec } from './device-spec.js';

export interface ModelDeviceOptions {
  /** 0-based position in the fleet. */
  index: number;
  /** The fleet's seed: with the index it fixes every generated value, the phase spread and the back-off jitter. */
  seed: number;
  /** Broker URL; its scheme should match the model's transport (mqtt://, mqtts://, ws://, coap://, https://). */
  url: string;
  /** A CoAP device's token (its thing's device token). */
  token?: string;
  /** Client certificate and CA for mqtts:// and wss://. */
  tls?: DeviceSpec['connection']['tls'];
  /** MQTT username and password. */
  login?: DeviceSpec['connection']['login'];
  /** Rows of the model's replay files (`readReplayFiles(model, dir)`). */
  replay?: ReplayData;
}

/**
 * Device `index` of a fleet of `model`: identity from its templates, its fields from seeded samplers, its behaviours
 * as the runtime runs them.
 *
 * LIMITATIONS: certificates are given by the caller (`tls`), the runtime does not provision them; `markConnected` does not put
 * `connected: false` in a will (AWS's shadow service ignores wills published on shadow topics).
 */
export function deviceSpecFromModel(model: DeviceModel, opts: ModelDeviceOptions): DeviceSpec {
  const ctx = createDeviceContext(model, opts.index, opts.seed);
  const scope = contextScope(ctx);
  const spread = createRng(opts.seed, opts.index, 'runtime.spread');
  const { protocol } = model;
  const telemetry: TelemetrySpec[] = model.telemetry.map((t, i) => {
    const phase = t.offsetMs + Math.floor(spread.next() * t.spreadMs);
    let nextAt: ((now: number) => number | undefined) | undefined;
    if (t.intervalMs === undefined) {
      let schedule: Schedule;
      try {
        schedule = parseSchedule(t.schedule ?? '');
      } catch (e) {
        throw new EngineError('InvalidInput', `model '${model.name}': telemetry ${t.name ?? i}: ${(e as Error).message}`);
      }
      // Every firing moves by the device's offset and spread, so a fleet on one schedule does not publish at once.
      nextAt = (now) => {
        const n = schedule.next(now - phase);
        return n === undefined ? undefined : n + phase;
      };
    }
    const sampler = createFieldSampler(t.fields, ctx, { replay: opts.replay });
    const when = t.when ? compileExpression(t.when) : undefined;
    return {
      ...(t.name !== undefined ? { name: t.name } : {}),
      ...(t.inStates ? { inStates: t.inStates } : {}),
      topic: fixedTopic(t.topic, Object.keys(t.fields), ctx) ?? ((payload: unknown) => renderTemplate(t.topic, ctx, payload as Record<string, unknown>)),
      ...(nextAt ? { nextAt } : { intervalMs: t.intervalMs, phaseMs: phase }),
      qos: t.qos,
      retain: t.retain,
      payload: ({ t: now, state, machineState }) => sampler.sample(now, { shadow: state, state: machineState }),
      ...(when ? { when: (shadow: Record<string, unknown>, state: string | undefined) => Boolean(when.evaluate({ ...scope, shadow, state })) } : {}),
    };
  });
  const commands: CommandBehaviour[] = model.commands.map((c) => {
    const sampler = createFieldSampler(c.reply, ctx, { replay: opts.replay });
    let clock = 0;
    const { requestTopic, replyTopic } = c;
    return {
      name: c.name,
      // A CoAP or HTTPS device's commands have no topics (checked): they come by name.
      requestTopic: requestTopic === undefined ? '' : renderTemplate(requestTopic, ctx),
      ...(replyTopic !== undefined ? { replyTopic: (request: Record<string, unknown>) => renderTemplate(replyTopic, ctx, { request }) } : {}),
      handle: (request) => sampler.sample(clock++, { request }),
      correlateField: c.correlation === 'payload' ? c.correlateField : null,
      delayMs: c.delayMs,
    };
  });
  const shadow = model.shadow;
  const jobs = model.jobs && jobsSpec(model.jobs, ctx, opts);
  return {
    thingName: ctx.thingName,
    clientId: ctx.clientId,
    connection: {
      url: opts.url,
      protocolVersion: protocol.version,
      keepaliveSec: protocol.keepAlive,
      clean: protocol.cleanSession,
      ...(protocol.sessionExpiry !== undefined ? { sessionExpirySec: protocol.sessionExpiry } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.login ? { login: opts.login } : {}),
      ...(opts.token ? { token: opts.token } : {}),
      ...(protocol.transport === 'coap' && protocol.confirmable === false ? { nonConfirmable: true } : {}),
    },
    ...(protocol.ttdMs !== undefined ? { commandTtdMs: protocol.ttdMs } : {}),
    reconnect: protocol.reconnect.enabled ? { minMs: protocol.reconnect.minMs, maxMs: protocol.reconnect.maxMs, factor: protocol.reconnect.factor, jitter: protocol.reconnect.jitter } : false,
    offlineBufferSize: protocol.offlineBuffer,
    ...(model.will ? {
      will: {
        topic: renderTemplate(model.will.topic, ctx),
        payload: typeof model.will.payload === 'string' ? renderTemplate(model.will.payload, ctx) : JSON.stringify(renderLeaves(model.will.payload, ctx)),
        qos: model.will.qos,
        retain: model.will.retain,
        ...(model.will.delay !== undefined ? { delaySec: model.will.delay } : {}),
      },
    } : {}),
    telemetry,
    ...(shadow ? {
      shadow: {
        ...(shadow.name !== undefined ? { name: shadow.name } : {}),
        initialState: renderLeaves(shadow.initial, ctx) as Record<string, unknown>,
        reportOnConnect: shadow.reportOnConnect,
        markConnected: shadow.markConnected,
        onDelta: { action: shadow.onDelta.action, delayMs: shadow.onDelta.delayMs, ...(shadow.onDelta.keys ? { keys: shadow.onDelta.keys } : {}) },
      },
    } : {}),
    ...(jobs ? { jobs } : {}),
    commands,
    ...(model.awsCommands ? { awsCommands: awsCommandsSpec(model.awsCommands, ctx, opts) } : {}),
    ...(model.stateMachine ? { stateMachine: compileStateMachine(model.stateMachine, ctx) } : {}),
  };
}

/**
 * The model's job behaviour for one device. Whether an execution fails is drawn from its own seeded stream per
 * (fleet seed, device index, job id, execution number), so the same fleet fails the same executions in every run,
 * whatever order they come in (`jobExecutionFails`).
 */
function jobsSpec(jobs: JobBehaviour, ctx: DeviceContext, opts: ModelDeviceOptions): JobsSpec {
  const report = Object.keys(jobs.report).length ? jobs.report : undefined;
  return {
    operations: jobs.operations, applyDelayMs: jobs.applyDelayMs, progressReports: jobs.progressReports, requireSignature: jobs.requireSignature,
    blockSizeBytes: jobs.blockSizeBytes, maxFileBytes: jobs.maxFileBytes, downloadTimeoutMs: jobs.downloadTimeoutMs,
    fails: (jobId, executionNumber) => jobExecutionFails(jobs.failureProbability, opts.seed, opts.index, jobId, executionNumber),
    ...(report ? { report: (document: Record<string, unknown>, jobId: string, shadow: Record<string, unknown>) => renderLeaves(report, ctx, { document, jobId, shadow }) as Record<string, unknown> } : {}),
    ...(opts.tls?.ca ? { ca: opts.tls.ca } : {}),
  };
}

/** The model's AWS IoT Commands behaviour for one device; each execution's outcome is drawn from its own seeded stream. */
function awsCommandsSpec(b: AwsCommandsBehaviour, ctx: DeviceContext, opts: ModelDeviceOptions): AwsCommandsSpec {
  const result = Object.keys(b.result).length ? b.result : undefined;
  return {
    ...(b.operations ? { operations: b.operations } : {}), inProgress: b.inProgress, delayMs: b.delayMs,
    outcome: (executionId) => {
      const draw = createRng(opts.seed, opts.index, `awsCommands\u0000${executionId}`).next();
      return draw < b.rejectProbability ? 'REJECTED' : draw < b.rejectProbability + b.failureProbability ? 'FAILED' : 'SUCCEEDED';
    },
    ...(result ? { result: (request: unknown, executionId: string) => renderLeaves(result, ctx, { request, executionId }) as Record<string, unknown> } : {}),
  };
}

/** Whether device `index` of a fleet seeded `seed` fails execution `executionNumber` of `jobId`. */
export function jobExecutionFails(probability: number, seed: number, index: number, jobId: string, executionNumber: number): boolean {
  if (probability <= 0) return false;
  return createRng(seed, index, `jobs\u0000${jobId}\u0000${executionNumber}`).next() < probability;
}

/**
 * The device's topic when the template names none of the message's fields (rendered once instead of per message),
 * else undefined.
 */
function fixedTopic(template: string, fieldNames: string[], ctx: DeviceContext): string | undefined {
  try {
    const names = compileTemplate(template).names;
    if (fieldNames.some((f) => names.has(f))) return undefined;
    return renderTemplate(template, ctx);
  } catch {
    return undefined; // rendered per message, where the error surfaces as before
  }
}

/** A value whose string leaves are templates, rendered for one device. */
function renderLeaves(value: unknown, ctx: DeviceContext, extra?: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx, extra);
  if (Array.isArray(value)) return value.map((v) => renderLeaves(v, ctx, extra));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderLeaves(v, ctx, extra)]));
  return value;
}
