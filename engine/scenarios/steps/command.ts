/**
 * `command`: sends a command to a thing through the engine's command & control (`control.send`: MQTT command topics,
 * or the thing's next HTTPS/CoAP request with `hono-ttd`) and checks its answer: the status (default any 2xx) and the
 * answer's payload (the same `json`, `payload`, `where`, `regex` and `schema` as `expect`). With `oneWay: true` it
 * expects no answer (Eclipse Hono's one-way command) and passes once the command is handed to the device.
 */
import { EngineError } from '../../core/index.js';
import { compileMatcher, matchProblems, matchSchemaProperties, type MatchSpec } from '../match/matchers.js';
import { durationMs, durationSchema, payloadBytes, payloadSchema } from './args.js';
import { defineStep, failed, passed } from './step.js';

export interface CommandArgs {
  thing: string;
  name: string;
  payload?: unknown;
  contentType?: string;
  timeout?: number | string;
  oneWay?: boolean;
  expect?: MatchSpec & { status?: number | number[] };
}

const DEFAULT_TIMEOUT_MS = 10_000;

const matchOf = (e: CommandArgs['expect']): MatchSpec => {
  const { status: _status, ...spec } = e ?? {};
  return spec;
};

export const commandStep = defineStep<CommandArgs>({
  name: 'command',
  summary: "Sends a command to a thing (over MQTT, or in the answer to its next HTTPS/CoAP request) and checks the device's answer.",
  schema: {
    type: 'object',
    required: ['thing', 'name'],
    additionalProperties: false,
    properties: {
      thing: { type: 'string', minLength: 1 },
      name: { type: 'string', minLength: 1, description: 'The command name (letters, digits, _ . : -).' },
      payload: payloadSchema,
      contentType: { type: 'string', minLength: 1 },
      timeout: { ...durationSchema, description: 'How long to wait for the answer (one-way: for the hand-over; default 10s, real time).' },
      oneWay: { type: 'boolean', description: 'Expect no answer: pass once the device has the command (no expect then).' },
      expect: {
        type: 'object',
        additionalProperties: false,
        description: 'What the answer must be: its status (default any 2xx) and its payload.',
        properties: {
          status: { oneOf: [{ type: 'integer', minimum: 200, maximum: 599 }, { type: 'array', minItems: 1, items: { type: 'integer', minimum: 200, maximum: 599 } }] },
          ...matchSchemaProperties,
        },
      },
    },
  },
  check(args) {
    if (args.oneWay && args.expect) return ['command: a one-way command has no answer to expect (drop expect or oneWay)'];
    const spec = matchOf(args.expect);
    return JSON.stringify(spec).includes('${') ? [] : matchProblems(spec).map((p) => `command: ${p}`);
  },
  refuse: (_args, target) => (target.api ? [] : [`command: the ${target.kind} target has no command & control (run the scenario on the local engine)`]),
  async run(ctx, args) {
    const api = ctx.target.api;
    if (!api) throw new EngineError('InvalidInput', 'command: this target has no command & control');
    const timeoutMs = args.timeout === undefined ? DEFAULT_TIMEOUT_MS : durationMs(args.timeout, 'command timeout');
    const input = {
      thing: args.thing, name: args.name, payload: payloadBytes(args.payload).toString('base64'), encoding: 'base64' as const, timeoutMs,
      ...(args.contentType ? { contentType: args.contentType } : {}),
    };
    let answer;
    try {
      if (args.oneWay) {
        const h = await api.control.send({ ...input, oneWay: true });
        const seen = [{ topic: `one-way command ${args.name} → ${args.thing} (${h.via})`, payload: '', qos: 0 as const, retain: false, at: ctx.clock.elapsed() }];
        return passed(`${args.thing} got the one-way command ${args.name} over ${h.via} in ${Math.round(h.latencyMs)} ms`, seen);
      }
      answer = await api.control.send(input);
    } catch (e) {
      // In process an EngineError, over a transport an RpcError: both carry the details.
      if ((e as { details?: { reason?: string } } | undefined)?.details?.reason === 'Timeout') {
        const what = args.oneWay ? 'was not handed the one-way command' : 'did not answer the command';
        return failed(`${args.thing} ${what} ${args.name} within ${timeoutMs} ms`, { expected: { [args.oneWay ? 'handedOverWithin' : 'answerWithin']: `${timeoutMs} ms` } });
      }
      throw e;
    }
    const want = args.expect?.status;
    const statusOk = want === undefined ? answer.status >= 200 && answer.status < 300 : (Array.isArray(want) ? want : [want]).includes(answer.status);
    const text = answer.text ?? `base64:${answer.payload}`;
    const spec = matchOf(args.expect);
    const payloadOk = Object.keys(spec).length === 0 || compileMatcher(spec).test(Buffer.from(answer.payload, 'base64'));
    const seen = [{ topic: `command ${args.name} → ${args.thing} (${answer.via}): ${answer.status}`, payload: text, qos: 0 as const, retain: false, at: ctx.clock.elapsed() }];
    if (!statusOk || !payloadOk) {
      return failed(`${args.thing} answered the command ${args.name} with ${answer.status}${statusOk ? ' and a payload that does not match' : ''}`, {
        expected: { status: want ?? '2xx', ...spec }, seen,
      });
    }
    return passed(`${args.thing} answered ${answer.status} over ${answer.via} in ${Math.round(answer.latencyMs)} ms`, seen);
  },
});
