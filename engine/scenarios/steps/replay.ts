/**
 * `replay`: plays a recording (`thingbench record`'s JSON lines) into the target as its original publishers, at a
 * speed, optionally with a prefix before every client id. The waits run on the run's clock, so in deterministic
 * mode a recording's hour passes in virtual time.
 */
import { readRecordingFile, replay, type ReplayClock } from '../record/index.js';
import { mqttLogin } from '../targets/index.js';
import { defineStep, failed, passed, type StepContext } from './step.js';

export interface ReplayArgs {
  /** The recording, relative to the scenario file. */
  file: string;
  /** 2 plays twice as fast; `max` publishes back to back (default 1). */
  speed?: number | 'max';
  /** Times to play it (default 1). */
  loops?: number;
  /** Put before every recorded client id, so the replayed clients do not take over live devices' sessions. */
  clientIdPrefix?: string;
  transport?: 'mqtt' | 'mqtts' | 'ws';
}

/** The run's clock as a replay sees it: waits are run time (virtual in deterministic mode); an abort ends a wait. */
function runClock(ctx: StepContext): ReplayClock {
  return {
    now: () => ctx.clock.elapsed(),
    sleep: (ms) => ctx.clock.sleep(ms).catch(() => undefined),
  };
}

export const replayStep = defineStep<ReplayArgs>({
  name: 'replay',
  summary: 'Plays a recording into the target as its original publishers, with their timing (or faster).',
  schema: {
    type: 'object',
    required: ['file'],
    additionalProperties: false,
    properties: {
      file: { type: 'string', minLength: 1, description: 'A recording made with thingbench record, relative to the scenario file.' },
      speed: { oneOf: [{ type: 'number', exclusiveMinimum: 0 }, { const: 'max' }], description: '2 plays twice as fast; max publishes back to back (default 1).' },
      loops: { type: 'integer', minimum: 1, maximum: 1000000 },
      clientIdPrefix: { type: 'string', description: 'Put before every recorded client id (e.g. replay-).' },
      transport: { enum: ['mqtt', 'mqtts', 'ws'] },
    },
  },
  async run(ctx, args) {
    const file = ctx.resolvePath(args.file);
    const messages = await readRecordingFile(file);
    const endpoint = ctx.target.mqtt(args.transport);
    const total = messages.length * (args.loops ?? 1);
    let sent = 0;
    const summary = await replay(messages, {
      mqttUrl: endpoint.url,
      tls: endpoint.tls,
      login: mqttLogin(endpoint),
      speed: args.speed === 'max' ? Infinity : args.speed ?? 1,
      loops: args.loops ?? 1,
      clientIdPrefix: args.clientIdPrefix,
      anonymousClientId: ctx.uniqueId('replay'),
      clock: runClock(ctx),
      signal: ctx.signal,
      onPublished: () => {
        sent++;
        if (sent % 100 === 0 || sent === total) ctx.log.progress(`replayed ${sent}/${total}`, sent, total);
      },
    });
    ctx.signal.throwIfAborted();
    if (summary.failed) {
      return failed(`the target refused ${summary.failed} of ${summary.failed + summary.messages} replayed messages: ${summary.errors[0] ?? 'no reason given'}`, {
        expected: { messages: total },
      });
    }
    return passed(`${summary.messages} messages from ${summary.clients} clients in ${Math.round(summary.durationMs)} ms`);
  },
});
