/**
 * `publish`: one message (or `count` copies) on a topic, from a test client on the target. With `certificate` the
 * client is a device with its own certificate (a `certificate` step's or `provision`'s variable), over mutual TLS; with
 * `connectWithin` it connects again, once a second, until the target accepts it: a device whose certificate is just-in-
 * time registered on its first connection (refused) and activated by a rule's function before it comes back.
 */
import { EngineError } from '../../core/index.js';
import { defineStep, failed, passed, type ClientOptions, type SeenMessage, type StepContext } from './step.js';
import { durationMs, durationSchema, payloadBytes, payloadSchema, qosSchema } from './args.js';

export interface PublishArgs {
  topic: string;
  payload?: unknown;
  qos?: 0 | 1;
  retain?: boolean;
  /** Publishes this many copies (default 1). */
  count?: number;
  /** The test client's id (default: the run's own client). */
  clientId?: string;
  /** The variable of the device's certificate (`certificatePem` or `certificateChainPem`, and `privateKey`). */
  certificate?: string;
  /** Connects again, once a second, while the target refuses the connection, for this long (default: once). */
  connectWithin?: string | number;
}

/** A step's test client: its `clientId`, and the device's certificate variable; or one sentence saying why not. */
export function deviceClient(ctx: StepContext, args: { clientId?: string; certificate?: string }): ClientOptions | string {
  const opts: ClientOptions = args.clientId ? { clientId: args.clientId } : {};
  if (!args.certificate) return opts;
  const certificate = deviceCertificate(ctx, args.certificate);
  return typeof certificate === 'string' ? certificate : { ...opts, certificate };
}

/** The client options for a device's certificate variable, or one sentence saying why there are none. */
function deviceCertificate(ctx: StepContext, name: string): ClientOptions['certificate'] | string {
  if (!ctx.vars.has(name)) return `the certificate ${name} is no run variable (make it with a certificate or provision step)`;
  const v = ctx.vars.get(name) as { certificatePem?: unknown; certificateChainPem?: unknown; privateKey?: unknown } | undefined;
  const cert = typeof v?.certificateChainPem === 'string' ? v.certificateChainPem : v?.certificatePem;
  if (typeof cert !== 'string' || typeof v?.privateKey !== 'string') return `the variable ${name} holds no certificate with its private key (certificatePem, privateKey)`;
  return { cert, key: v.privateKey };
}

export const publishStep = defineStep<PublishArgs>({
  name: 'publish',
  summary: 'Publishes a message on a topic from a test client on the target (or from a device with its own certificate).',
  schema: {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    properties: {
      topic: { type: 'string', minLength: 1, description: 'The topic (no wildcards).' },
      payload: payloadSchema,
      qos: qosSchema,
      retain: { type: 'boolean' },
      count: { type: 'integer', minimum: 1, maximum: 100000 },
      clientId: { type: 'string', minLength: 1 },
      certificate: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', description: "The variable of the device's certificate (a certificate or provision step's): connects over mutual TLS with it." },
      connectWithin: { ...durationSchema, description: 'Connects again, once a second, while the target refuses the connection, for this long (JITR: the first connection is refused).' },
    },
  },
  check: (args) => (typeof args.topic === 'string' && /[+#]/.test(args.topic) && !args.topic.includes('${') ? ['publish: the topic may not contain + or #'] : []),
  async run(ctx, args) {
    const opts = deviceClient(ctx, args);
    if (typeof opts === 'string') return failed(opts);
    const window = args.connectWithin === undefined ? 0 : durationMs(args.connectWithin, 'publish connectWithin');
    const until = ctx.clock.elapsed() + window;
    let refused = 0;
    let client;
    for (;;) {
      try {
        client = await ctx.mqtt(opts);
        break;
      } catch (e) {
        if (!(e instanceof EngineError) || e.code !== 'Unavailable' || ctx.clock.elapsed() + 1000 > until) throw e;
        refused++;
        ctx.log.info(`publish: the connection was refused (${e.message}); connecting again in 1 s`);
        await ctx.clock.sleep(1000);
      }
    }
    const body = payloadBytes(args.payload);
    const count = args.count ?? 1;
    const qos = args.qos ?? 0, retain = args.retain ?? false;
    const sent: SeenMessage[] = [];
    for (let i = 0; i < count; i++) {
      ctx.signal.throwIfAborted();
      await client.publishAsync(args.topic, body, { qos, retain });
      if (i < 5) sent.push({ topic: args.topic, payload: shownPayload(body), qos, retain, at: ctx.clock.elapsed() });
    }
    const notes = [count === 1 ? '' : `${count} messages`, refused ? `connected after ${refused} refused connection${refused > 1 ? 's' : ''}` : ''].filter(Boolean);
    return passed(notes.length ? notes.join(', ') : undefined, sent);
  },
});

/** A payload as a timeline shows it: UTF-8 text (its first 2 KiB), else `base64:…`. */
function shownPayload(body: Buffer): string {
  const head = body.subarray(0, 2048);
  const text = head.toString('utf8');
  return Buffer.from(text, 'utf8').equals(head) ? text : `base64:${head.toString('base64')}`;
}
