/** Turns a schema-valid model document into a `DeviceModel`: defaults filled in, durations in ms, literals as constants. */
import type {
  AwsCommandsBehaviour, CertificateChoice, Command, DeviceModel, JobBehaviour, FieldSpec, ShadowBehaviour, StateMachine, Telemetry, Transition, TransitionTrigger, Will,
} from './types.js';

type Raw = Record<string, any>; // schema-validated document

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `5s`, `1.5m`, `2h`, or a number of ms. */
export function parseDuration(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(v);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}
const ms = (v: unknown, dflt: number): number => (v === undefined ? dflt : parseDuration(v as number | string));
const text = (v: unknown): string => String(v);

export function normalizeField(raw: unknown): FieldSpec {
  if (raw === null || typeof raw !== 'object') return { gen: 'constant', value: raw };
  const r = raw as Raw;
  const c = { ...(r.static !== undefined ? { static: r.static as boolean } : {}), ...(r.precision !== undefined ? { precision: r.precision as number } : {}) };
  const wave = { periodMs: ms(r.period, 60_000), amplitude: r.amplitude ?? 1, offset: r.offset ?? 0, phase: r.phase ?? 0, phaseSpread: r.phaseSpread ?? 0 };
  switch (r.gen as FieldSpec['gen']) {
    case 'constant': return { ...c, gen: 'constant', value: r.value };
    case 'counter': return { ...c, gen: 'counter', start: r.start ?? 0, step: r.step ?? 1, ...(r.wrapAt !== undefined ? { wrapAt: r.wrapAt } : {}) };
    case 'uuid': return { ...c, gen: 'uuid' };
    case 'id': return { ...c, gen: 'id', prefix: r.prefix ?? '', length: r.length ?? 8, alphabet: r.alphabet ?? '0123456789abcdefghijklmnopqrstuvwxyz' };
    case 'pick': return { ...c, gen: 'pick', values: r.values, ...(r.weights ? { weights: r.weights } : {}) };
    case 'int': return { ...c, gen: 'int', min: r.min, max: r.max };
    case 'float': return { ...c, gen: 'float', min: r.min, max: r.max };
    case 'bool': return { ...c, gen: 'bool', probability: r.probability ?? 0.5 };
    case 'timestamp': return { ...c, gen: 'timestamp', format: r.format ?? 'epoch-ms' };
    case 'walk': return { ...c, gen: 'walk', min: r.min, max: r.max, step: r.step, ...(r.start !== undefined ? { start: r.start } : {}) };
    case 'sine': case 'square': case 'triangle': case 'sawtooth': return { ...c, gen: r.gen, ...wave };
    case 'ramp': return { ...c, gen: 'ramp', from: r.from, to: r.to, durationMs: ms(r.duration, 0), repeat: r.repeat ?? false };
    case 'decay': return { ...c, gen: 'decay', from: r.from, to: r.to, halfLifeMs: ms(r.halfLife, 0) };
    case 'step': return { ...c, gen: 'step', values: r.values, everyMs: ms(r.every, 0), order: r.order ?? 'cycle' };
    case 'spike': return { ...c, gen: 'spike', base: normalizeField(r.base), probability: r.probability, magnitude: r.magnitude, direction: r.direction ?? 'up' };
    case 'anomaly': return { ...c, gen: 'anomaly', base: normalizeField(r.base), probability: r.probability, value: r.value ?? null };
    case 'geo': return { ...c, gen: 'geo', center: r.center, radiusM: r.radius };
    case 'route': return { ...c, gen: 'route', points: r.points, speedMps: r.speed, loop: r.loop ?? true };
    case 'object': return { ...c, gen: 'object', fields: normalizeFields(r.fields) };
    case 'array': return { ...c, gen: 'array', items: normalizeField(r.items), minLength: r.length ?? r.minLength ?? 1, maxLength: r.length ?? r.maxLength ?? r.minLength ?? 1 };
    case 'expr': return { ...c, gen: 'expr', expr: r.expr };
    case 'thingName': return { ...c, gen: 'thingName' };
    case 'attribute': return { ...c, gen: 'attribute', name: r.name };
    case 'replay': return { ...c, gen: 'replay', file: r.file, ...(r.column !== undefined ? { column: r.column } : {}), loop: r.loop ?? true, stride: r.stride ?? 0 };
  }
}

export const normalizeFields = (raw: Raw | undefined): Record<string, FieldSpec> =>
  Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, normalizeField(v)]));

const stringMap = (raw: Raw | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, text(v)]));

function certificate(raw: unknown): CertificateChoice {
  if (raw === undefined || raw === 'none') return { mode: 'none' };
  if (raw === 'provision') return { mode: 'provision' };
  return { mode: 'existing', id: (raw as Raw).existing };
}

function telemetry(r: Raw): Telemetry {
  return {
    ...(r.name !== undefined ? { name: r.name } : {}),
    topic: r.topic,
    ...(r.interval !== undefined ? { intervalMs: ms(r.interval, 0) } : {}),
    ...(r.schedule !== undefined ? { schedule: r.schedule } : {}),
    offsetMs: ms(r.offset, 0), spreadMs: ms(r.spread, 0), qos: r.qos ?? 0, retain: r.retain ?? false,
    ...(r.when !== undefined ? { when: r.when } : {}),
    ...(r.inStates !== undefined ? { inStates: r.inStates } : {}),
    fields: normalizeFields(r.fields),
  };
}

function shadow(r: Raw): ShadowBehaviour {
  const d = (r.onDelta ?? {}) as Raw;
  return {
    ...(r.name !== undefined ? { name: r.name } : {}),
    initial: r.initial ?? {}, reportOnConnect: r.reportOnConnect ?? true, markConnected: r.markConnected ?? false,
    onDelta: { action: d.action ?? 'apply', delayMs: ms(d.delay, 0), ...(d.keys ? { keys: d.keys } : {}) },
  };
}

function jobs(r: Raw): JobBehaviour {
  return {
    operations: r.operations ?? ['firmware-update'], applyDelayMs: ms(r.applyDelay, 2000), failureProbability: r.failureProbability ?? 0,
    progressReports: r.progressReports ?? 1, requireSignature: r.requireSignature ?? false, blockSizeBytes: r.blockSize ?? 4096,
    maxFileBytes: r.maxFileSize ?? 16 * 1024 * 1024, downloadTimeoutMs: ms(r.downloadTimeout, 60_000), report: r.report ?? {},
  };
}

function awsCommands(r: Raw): AwsCommandsBehaviour {
  return {
    ...(r.operations ? { operations: r.operations } : {}), inProgress: r.inProgress ?? true, delayMs: ms(r.delay, 500),
    failureProbability: r.failureProbability ?? 0, rejectProbability: r.rejectProbability ?? 0, result: r.result ?? {},
  };
}

function command(r: Raw): Command {
  return {
    name: r.name, ...(r.requestTopic !== undefined ? { requestTopic: r.requestTopic } : {}), ...(r.replyTopic !== undefined ? { replyTopic: r.replyTopic } : {}),
    correlation: r.correlation ?? 'payload',
    correlateField: r.correlateField ?? 'requestId', reply: normalizeFields(r.reply), delayMs: ms(r.delay, 0),
  };
}

function trigger(on: Raw): TransitionTrigger {
  if (on.message !== undefined) return { kind: 'message', topic: on.message };
  if (on.delta !== undefined) return { kind: 'delta', ...(typeof on.delta === 'string' ? { key: on.delta } : {}) };
  return { kind: 'timer', afterMs: ms(on.timer, 0) };
}

function stateMachine(r: Raw): StateMachine {
  return {
    initial: r.initial, states: r.states,
    transitions: ((r.transitions ?? []) as Raw[]).map((t): Transition => ({
      from: t.from, to: t.to, on: trigger(t.on),
      ...(t.when !== undefined ? { when: t.when } : {}), ...(t.publish ? { publish: t.publish } : {}),
    })),
  };
}

export function normalizeModel(r: Raw): DeviceModel {
  const id = (r.identity ?? {}) as Raw, p = (r.protocol ?? {}) as Raw, rc = (p.reconnect ?? {}) as Raw;
  const will: Will | undefined = r.will && {
    topic: r.will.topic, payload: r.will.payload, qos: r.will.qos ?? 0, retain: r.will.retain ?? false,
    ...(r.will.delay !== undefined ? { delay: r.will.delay } : {}),
  };
  return {
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    identity: {
      thingName: id.thingName ?? '{model}-{index}', clientId: id.clientId ?? '{thingName}',
      ...(id.thingType !== undefined ? { thingType: id.thingType } : {}),
      attributes: stringMap(id.attributes), certificate: certificate(id.certificate),
      ...(id.policy !== undefined ? { policy: id.policy } : {}),
    },
    vars: stringMap(r.vars),
    protocol: {
      transport: p.transport ?? 'mqtt', version: p.version ?? 4, keepAlive: p.keepAlive ?? 60, cleanSession: p.cleanSession ?? true,
      ...(p.sessionExpiry !== undefined ? { sessionExpiry: p.sessionExpiry } : {}),
      reconnect: { enabled: rc.enabled ?? true, minMs: ms(rc.min, 1000), maxMs: ms(rc.max, 30_000), factor: rc.factor ?? 2, jitter: rc.jitter ?? 0.2 },
      offlineBuffer: p.offlineBuffer ?? 100,
      ...(p.confirmable !== undefined ? { confirmable: p.confirmable } : {}),
      ...(p.ttd !== undefined ? { ttdMs: ms(p.ttd, 0) } : {}),
    },
    ...(will ? { will } : {}),
    telemetry: ((r.telemetry ?? []) as Raw[]).map(telemetry),
    ...(r.shadow ? { shadow: shadow(r.shadow) } : {}),
    ...(r.jobs ? { jobs: jobs(r.jobs) } : {}),
    commands: ((r.commands ?? []) as Raw[]).map(command),
    ...(r.awsCommands ? { awsCommands: awsCommands(r.awsCommands) } : {}),
    ...(r.stateMachine ? { stateMachine: stateMachine(r.stateMachine) } : {}),
  };
}
