/**
 * Checks a schema-valid model beyond what the schema can say: expressions and templates parse and read only names
 * that exist, expression fields do not form cycles, generator parameters make sense, and the state machine, the
 * telemetry and the protocol agree with each other.
 */
import { compileExpression, compileTemplate, ExpressionError } from './expression.js';
import { evaluationOrder } from './sampler.js';
import { parseSchedule, ScheduleError } from './schedule.js';
import type { Path, PositionMap, Problem } from './positions.js';
import type { DeviceModel, FieldSpec } from './types.js';

const CONTEXT = ['index', 'deviceIndex', 'seed', 'model'];
const TIME = ['t', 'elapsed'];

class Checker {
  readonly problems: Problem[] = [];
  constructor(private readonly pos: PositionMap, private readonly attributeNames: readonly string[]) {}

  add(path: Path, message: string, at: 'value' | 'key' = 'value'): void { this.problems.push(this.pos.at(path, message, at)); }

  private names(kind: string, path: Path, names: ReadonlySet<string>, known: readonly string[]): void {
    for (const n of names) {
      if (!known.includes(n)) this.add(path, `${kind} reads '${n}', which is not defined here; expected one of: ${known.join(', ')}`);
    }
  }

  expression(path: Path, source: string, known: readonly string[]): void {
    try {
      this.names('expression', path, compileExpression(source).names, known);
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      this.problems.push(this.pos.problem(this.pos.textOffsetOf(path) + e.offset, `expression: ${e.message}`));
    }
  }

  template(path: Path, source: string, known: readonly string[]): void {
    try {
      for (const p of compileTemplate(source).placeholders) {
        for (const n of p.expression.names) {
          if (known.includes(n)) continue;
          this.problems.push(this.pos.problem(this.pos.textOffsetOf(path) + p.offset,
            `template reads '${n}', which is not defined here; expected one of: ${known.join(', ')}`));
        }
      }
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      this.problems.push(this.pos.problem(this.pos.textOffsetOf(path) + e.offset, `template: ${e.message}`));
    }
  }

  /** String leaves of a JSON value are templates. */
  templates(path: Path, value: unknown, known: readonly string[]): void {
    if (typeof value === 'string') this.template(path, value, known);
    else if (Array.isArray(value)) value.forEach((v, k) => this.templates([...path, k], v, known));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => this.templates([...path, k], v, known));
  }

  fields(path: Path, fields: Record<string, FieldSpec>, known: readonly string[]): void {
    const ord = evaluationOrder(Object.fromEntries(Object.entries(fields).filter(([, s]) => parses(s))));
    if ('cycle' in ord) this.add([...path, ord.cycle[0]], `expression fields form a cycle: ${ord.cycle.join(' → ')}`);
    const scope = [...known, ...Object.keys(fields)];
    for (const [k, s] of Object.entries(fields)) this.field([...path, k], s, scope);
  }

  private field(path: Path, s: FieldSpec, known: readonly string[]): void {
    const range = (lo: number, hi: number, what = 'min'): void => { if (lo > hi) this.add([...path, what], `${what} (${lo}) must not exceed max (${hi})`); };
    const positive = (v: number, key: string): void => { if (!(v > 0)) this.add([...path, key], `${key} must be longer than 0`); };
    switch (s.gen) {
      case 'expr': this.expression([...path, 'expr'], s.expr, known); break;
      case 'attribute':
        if (!this.attributeNames.includes(s.name)) this.add([...path, 'name'], `unknown attribute '${s.name}'; expected one of: ${this.attributeNames.join(', ') || '(identity.attributes is empty)'}`);
        break;
      case 'int': case 'float': case 'walk': range(s.min, s.max); break;
      case 'pick': if (s.weights && s.weights.length !== s.values.length) this.add([...path, 'weights'], `expected ${s.values.length} weights, one per value, but found ${s.weights.length}`); break;
      case 'array': range(s.minLength, s.maxLength, 'minLength'); this.field([...path, 'items'], s.items, known); break;
      case 'object': for (const [k, f] of Object.entries(s.fields)) this.field([...path, 'fields', k], f, known); break;
      case 'spike': case 'anomaly': this.field([...path, 'base'], s.base, known); break;
      case 'sine': case 'square': case 'triangle': case 'sawtooth': positive(s.periodMs, 'period'); break;
      case 'ramp': positive(s.durationMs, 'duration'); break;
      case 'decay': positive(s.halfLifeMs, 'halfLife'); break;
      case 'step': positive(s.everyMs, 'every'); break;
      case 'replay': if (!/\.(csv|jsonl|ndjson)$/i.test(s.file)) this.add([...path, 'file'], 'expected a .csv, .jsonl or .ndjson file'); break;
      default: break;
    }
  }
}

/** Cycle detection only looks at expressions that parse (the others are reported on their own). */
function parses(s: FieldSpec): boolean {
  try { evaluationOrder({ x: s }); return true; } catch { return false; }
}

export function semanticProblems(m: DeviceModel, pos: PositionMap): Problem[] {
  const c = new Checker(pos, Object.keys(m.identity.attributes));
  const vars = Object.keys(m.vars);
  const reserved = [...CONTEXT, 'deviceIndex', 'thingName', 'clientId', 'attributes', ...TIME, 'shadow', 'state', 'request', 'message', 'delta'];
  for (const v of vars) if (reserved.includes(v)) c.add(['vars', v], `'${v}' is a built-in name; choose another name for this variable`, 'key');
  vars.forEach((k, i) => c.template(['vars', k], m.vars[k], [...CONTEXT, ...vars.slice(0, i)]));
  c.template(['identity', 'thingName'], m.identity.thingName, [...CONTEXT, ...vars]);
  c.template(['identity', 'clientId'], m.identity.clientId, [...CONTEXT, ...vars, 'thingName']);
  for (const [k, v] of Object.entries(m.identity.attributes)) c.template(['identity', 'attributes', k], v, [...CONTEXT, ...vars, 'thingName', 'clientId']);
  const device = [...CONTEXT, ...vars, 'thingName', 'clientId', 'attributes'];

  const asks = m.protocol.transport === 'coap' || m.protocol.transport === 'https';
  if (asks) askingProblems(m, c);
  else if (m.protocol.ttdMs !== undefined) c.add(['protocol', 'ttd'], 'ttd is for devices that only ask (transport coap or https); an MQTT device listens on its request topics', 'key');
  if ((m.protocol.transport === 'mqtts' || m.protocol.transport === 'https') && m.identity.certificate.mode === 'none') {
    c.add(['protocol', 'transport'], `transport ${m.protocol.transport} (mutual TLS) needs a client certificate: set identity.certificate to provision or {existing: <id>}`);
  }
  if (m.identity.policy !== undefined && m.identity.certificate.mode !== 'provision') {
    c.add(['identity', 'policy'], 'identity.policy is attached to a provisioned certificate: set identity.certificate to provision, or remove the policy', 'key');
  }
  if (m.will) {
    c.template(['will', 'topic'], m.will.topic, device);
    c.templates(['will', 'payload'], m.will.payload, device);
  }

  const states = m.stateMachine?.states ?? [];
  const telemetryNames = new Set<string>();
  m.telemetry.forEach((tel, i) => {
    const path = ['telemetry', i];
    if (tel.name !== undefined) {
      if (telemetryNames.has(tel.name)) c.add([...path, 'name'], `telemetry name '${tel.name}' is used twice`);
      telemetryNames.add(tel.name);
    }
    c.template([...path, 'topic'], tel.topic, [...device, ...Object.keys(tel.fields)]);
    if ((tel.intervalMs === undefined) === (tel.schedule === undefined)) c.add(path, 'expected exactly one of interval or schedule');
    if (tel.intervalMs !== undefined && !(tel.intervalMs > 0)) c.add([...path, 'interval'], 'interval must be longer than 0');
    if (tel.schedule !== undefined) {
      try { parseSchedule(tel.schedule); } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        c.add([...path, 'schedule'], `schedule: ${e.message}`);
      }
    }
    if (tel.when !== undefined) c.expression([...path, 'when'], tel.when, [...device, 'shadow', 'state']);
    tel.inStates?.forEach((s, k) => {
      if (!states.includes(s)) c.add([...path, 'inStates', k], m.stateMachine ? `unknown state '${s}'; expected one of: ${states.join(', ')}` : 'inStates needs a stateMachine');
    });
    c.fields([...path, 'fields'], tel.fields, [...device, ...TIME, 'shadow', 'state']);
  });

  if (m.shadow) {
    c.templates(['shadow', 'initial'], m.shadow.initial, device);
    if (m.shadow.onDelta.action === 'partial' && !m.shadow.onDelta.keys?.length) c.add(['shadow', 'onDelta'], "action 'partial' needs the keys it applies");
  }

  if (m.jobs) {
    c.templates(['jobs', 'report'], m.jobs.report, [...device, 'document', 'jobId', 'shadow']);
    if (!(m.jobs.downloadTimeoutMs > 0)) c.add(['jobs', 'downloadTimeout'], 'downloadTimeout must be longer than 0');
  }

  if (m.awsCommands) c.templates(['awsCommands', 'result'], m.awsCommands.result, [...device, 'request', 'executionId']);

  m.commands.forEach((cmd, i) => {
    const path = ['commands', i];
    if (!asks) {
      if (cmd.requestTopic === undefined || cmd.replyTopic === undefined) c.add(path, 'an MQTT device\'s command needs requestTopic and replyTopic');
      if (cmd.requestTopic !== undefined) c.template([...path, 'requestTopic'], cmd.requestTopic, device);
      if (cmd.replyTopic !== undefined) c.template([...path, 'replyTopic'], cmd.replyTopic, [...device, 'request']);
    }
    if (cmd.correlation === 'mqtt5' && m.protocol.version !== 5) c.add([...path, 'correlation'], 'correlation mqtt5 needs protocol.version 5');
    c.fields([...path, 'reply'], cmd.reply, [...device, ...TIME, 'shadow', 'state', 'request']);
  });

  const sm = m.stateMachine;
  if (sm) {
    if (!sm.states.includes(sm.initial)) c.add(['stateMachine', 'initial'], `unknown state '${sm.initial}'; expected one of: ${sm.states.join(', ')}`);
    sm.transitions.forEach((t, i) => {
      const path = ['stateMachine', 'transitions', i];
      if (t.from !== '*' && !sm.states.includes(t.from)) c.add([...path, 'from'], `unknown state '${t.from}'; expected * or one of: ${sm.states.join(', ')}`);
      if (!sm.states.includes(t.to)) c.add([...path, 'to'], `unknown state '${t.to}'; expected one of: ${sm.states.join(', ')}`);
      t.publish?.forEach((p, k) => { if (!telemetryNames.has(p)) c.add([...path, 'publish', k], `unknown telemetry '${p}'; expected one of: ${[...telemetryNames].join(', ') || '(no named telemetry)'}`); });
      if (t.on.kind === 'message') c.template([...path, 'on', 'message'], t.on.topic, device);
      if (t.when !== undefined) c.expression([...path, 'when'], t.when, [...device, 'shadow', 'state', t.on.kind === 'message' ? 'message' : 'delta']);
    });
  }
  return c.problems;
}

/**
 * A CoAP or HTTPS device only asks: nothing can reach it but a command in a response, so the behaviours that wait for
 * messages (shadow deltas, jobs, AWS IoT Commands, state-machine message triggers) and a will (no connection) are refused.
 */
function askingProblems(m: DeviceModel, c: Checker): void {
  const t = m.protocol.transport;
  const refuse = (key: string, what: string) => c.add([key], `${what} needs a device that listens (MQTT): a ${t} device only asks`, 'key');
  if (m.will) refuse('will', 'a will');
  if (m.shadow) refuse('shadow', 'a shadow behaviour');
  if (m.jobs) refuse('jobs', 'a jobs behaviour');
  if (m.awsCommands) refuse('awsCommands', 'an AWS IoT Commands behaviour');
  m.stateMachine?.transitions.forEach((tr, i) => {
    if (tr.on.kind !== 'timer') c.add(['stateMachine', 'transitions', i, 'on'], `a ${tr.on.kind} trigger needs a device that listens (MQTT): a ${t} device only asks`);
  });
  if (t === 'coap' && m.identity.certificate.mode !== 'none') c.add(['identity', 'certificate'], 'a coap device proves who it is with its thing\'s device token, not a certificate: remove identity.certificate', 'key');
}

/** `on` must name exactly one trigger; checked on the raw document because normalizing keeps only one. */
export function triggerProblems(raw: unknown, pos: PositionMap): Problem[] {
  const out: Problem[] = [];
  const transitions = (raw as { stateMachine?: { transitions?: { on?: object }[] } })?.stateMachine?.transitions ?? [];
  transitions.forEach((t, i) => {
    const n = Object.keys(t.on ?? {}).length;
    if (n !== 1) out.push(pos.at(['stateMachine', 'transitions', i, 'on'], `expected exactly one trigger (message, delta or timer) but found ${n}`));
  });
  return out;
}
