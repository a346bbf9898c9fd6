/**
 * `fault`: breaks a declared device or fleet on purpose (the devices module's faults: drop, disconnect, partition,
 * network, keepalive-starvation, clock-skew, reconnect-storm, flood, malformed, clear), or restarts the engine behind
 * the target (`engine-restart`, local targets).
 */
import { EngineError } from '../../core/index.js';
import { FAULT_KINDS, parseFaultSpec, type FaultSpec } from '../../devices/index.js';
import { faultRunning } from '../run/fault-running.js';
import { durationMs, durationSchema } from './args.js';
import { defineStep, failed, passed } from './step.js';

export interface FaultArgs {
  kind: string;
  /** The declared device or fleet (not for engine-restart). */
  device?: string;
  /** Only these devices of a fleet, by thing name or client id (default: all of them). */
  only?: string[];
  /** Sets `durationMs` from a duration (5s, 500ms). */
  duration?: number | string;
  [field: string]: unknown;
}

const OWN = new Set(['kind', 'device', 'only', 'duration']);

function specOf(args: FaultArgs): FaultSpec {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!OWN.has(k)) raw[k] = v;
  raw.kind = args.kind;
  if (args.duration !== undefined) raw.durationMs = durationMs(args.duration, 'fault duration');
  return parseFaultSpec(raw);
}

export const faultStep = defineStep<FaultArgs>({
  name: 'fault',
  summary: 'Breaks a device or fleet on purpose (drop, disconnect, partition, network, keep-alive starvation, clock skew, reconnect storm, flood, malformed, clear) or restarts the engine.',
  schema: {
    type: 'object',
    required: ['kind'],
    properties: {
      kind: { enum: [...FAULT_KINDS, 'engine-restart'] },
      device: { type: 'string', minLength: 1, description: 'The declared device or fleet.' },
      only: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Only these devices of a fleet (thing names or client ids).' },
      duration: durationSchema,
      reconnect: { type: 'boolean' },
      durationMs: { type: 'integer', minimum: 1 },
      latencyMs: { type: 'integer', minimum: 0 },
      jitterMs: { type: 'integer', minimum: 0 },
      loss: { type: 'number', minimum: 0, maximum: 0.9 },
      bandwidthBytesPerSec: { type: 'integer', minimum: 1 },
      offsetMs: { type: 'integer' },
      ratePerSec: { type: 'number', exclusiveMinimum: 0 },
      topic: { type: 'string', minLength: 1 },
      payloadBytes: { type: 'integer', minimum: 0 },
      qos: { enum: [0, 1] },
      payload: { enum: ['invalid-json', 'oversized', 'binary'] },
      count: { type: 'integer', minimum: 1 },
      bytes: { type: 'integer', minimum: 1 },
    },
    additionalProperties: false,
  },
  deviceRefs: (args) => (typeof args.device === 'string' ? [args.device] : []),
  check(args) {
    if (args.kind === 'engine-restart') {
      const extra = Object.keys(args).filter((k) => k !== 'kind');
      return extra.length ? [`fault: engine-restart takes no other field (found ${extra.join(', ')})`] : [];
    }
    const problems: string[] = [];
    if (args.device === undefined) problems.push(`fault: a ${args.kind} fault names the device or fleet it breaks (device:)`);
    if (!JSON.stringify(args).includes('${')) {
      try {
        specOf(args);
      } catch (e) {
        problems.push(`fault: ${(e as Error).message}`);
      }
    }
    return problems;
  },
  refuse: (args, target) =>
    args.kind === 'engine-restart' && (!target.capabilities.engineRestart || !target.restartEngine)
      ? [`an engine-restart fault needs an engine the run can restart, which the target '${target.name}' (${target.kind}) does not have`]
      : [],
  async run(ctx, args) {
    if (args.kind === 'engine-restart') {
      if (!ctx.target.restartEngine) throw new EngineError('InvalidInput', `the target '${ctx.target.name}' cannot restart its engine`);
      await ctx.target.restartEngine();
      // The run's own connections come back (and resubscribe) before the next step looks for messages.
      await ctx.messages.settle();
      return passed('engine restarted');
    }
    const spec = specOf(args);
    const { targeted, applied } = await faultRunning([ctx.devices.get(args.device!)], spec, args.only, `'${args.device}'`);
    if (targeted > 0 && applied === 0) return failed(`the ${spec.kind} fault took effect on none of the ${targeted} devices of '${args.device}' (are they offline?)`);
    return passed(`${spec.kind} on ${applied} of ${targeted} device${targeted === 1 ? '' : 's'}`);
  },
});
