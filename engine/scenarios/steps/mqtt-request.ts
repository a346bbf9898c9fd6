/**
 * `request`: one call of an AWS IoT MQTT API as a device makes it (fleet provisioning, Jobs, shadows): on the device's
 * connection it subscribes to the request topic's `/accepted` and `/rejected`, publishes the request (JSON), and reads
 * the first reply. Accepted: `vars` are set from the reply by JSONPath. Rejected, or no reply `within` (default 10 s):
 * the step fails with the reply. A claim certificate provisioning its device:
 *
 *   - request: { topic: "$aws/certificates/create/json", clientId: claim-1, certificate: claim, vars: { device: $ } }
 *   - request:
 *       topic: "$aws/provisioning-templates/${TEMPLATE}/provision/json"
 *       payload: { certificateOwnershipToken: "${device.certificateOwnershipToken}", parameters: { SerialNumber: "0001" } }
 *       clientId: claim-1
 *       certificate: claim
 *
 * `certificate` is a run variable holding `certificatePem` and `privateKey` (a `certificate` or `provision` step's, or
 * the `$` of CreateKeysAndCertificate's reply), so the device can then publish with the certificate it was given.
 */
import { queryJsonPath } from '../match/jsonpath.js';
import { durationMs, durationSchema, payloadBytes, payloadSchema } from './args.js';
import { varsSchema } from './expect.js';
import { deviceClient } from './publish.js';
import { defineStep, failed, passed, type SeenMessage } from './step.js';

export interface RequestArgs {
  topic: string;
  payload?: unknown;
  clientId?: string;
  certificate?: string;
  vars?: Record<string, string>;
  within?: string | number;
}

const DEFAULT_WITHIN_MS = 10_000;

export const requestStep = defineStep<RequestArgs>({
  name: 'request',
  summary: "An AWS IoT MQTT API request from a device (fleet provisioning, Jobs, shadows): publishes it, reads its accepted or rejected reply, and sets variables from it.",
  schema: {
    type: 'object',
    required: ['topic'],
    additionalProperties: false,
    properties: {
      topic: { type: 'string', minLength: 1, description: 'The request topic; the reply comes on it plus /accepted or /rejected.' },
      payload: { ...payloadSchema, description: 'The request (default {}).' },
      clientId: { type: 'string', minLength: 1 },
      certificate: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', description: "The variable of the device's certificate: connects over mutual TLS with it." },
      vars: varsSchema,
      within: { ...durationSchema, description: 'How long to wait for the reply (default 10s).' },
    },
  },
  check: (args) => (typeof args.topic === 'string' && /[+#]/.test(args.topic) && !args.topic.includes('${') ? ['request: the topic may not contain + or #'] : []),
  async run(ctx, args) {
    const opts = deviceClient(ctx, args);
    if (typeof opts === 'string') return failed(opts);
    const client = await ctx.mqtt(opts);
    const accepted = `${args.topic}/accepted`, rejected = `${args.topic}/rejected`;
    const granted = await client.subscribeAsync([accepted, rejected], { qos: 1 });
    if (granted.some((g) => g.qos >= 0x80)) return failed(`the target refused the subscription to ${accepted} and ${rejected}`);
    const ms = args.within === undefined ? DEFAULT_WITHIN_MS : durationMs(args.within, 'request within');
    const reply = new Promise<{ topic: string; payload: Buffer } | undefined>((resolve) => {
      const onMessage = (topic: string, payload: Buffer) => {
        if (topic === accepted || topic === rejected) done({ topic, payload });
      };
      const timer = setTimeout(() => done(undefined), ms);
      const onAbort = () => done(undefined);
      const done = (r: { topic: string; payload: Buffer } | undefined) => {
        clearTimeout(timer);
        client.off('message', onMessage);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      client.on('message', onMessage);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    await client.publishAsync(args.topic, payloadBytes(args.payload ?? {}), { qos: 1 });
    const r = await reply;
    ctx.signal.throwIfAborted();
    if (!r) return failed(`no reply on ${accepted} or ${rejected} within ${ms} ms`);
    const text = r.payload.toString('utf8');
    // A private key is in CreateKeysAndCertificate's reply: reports show the reply's topic and size only.
    const seen: SeenMessage[] = [{ topic: r.topic, payload: `${r.payload.length} bytes`, qos: 1, retain: false, at: ctx.clock.elapsed() }];
    if (r.topic === rejected) return failed(`${args.topic} was rejected: ${text.slice(0, 300)}`, { seen });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return failed(`the reply on ${accepted} is not JSON: ${text.slice(0, 100)}`, { seen });
    }
    const missing: string[] = [];
    for (const [name, path] of Object.entries(args.vars ?? {})) {
      const found = path === '$' ? [body] : queryJsonPath(body, path);
      if (found.length === 0) missing.push(`${name} (${path})`);
      else ctx.vars.set(name, found[0]);
    }
    if (missing.length) return failed(`the reply on ${accepted} has nothing for ${missing.join(', ')}`, { seen });
    return passed(Object.keys(args.vars ?? {}).length ? `accepted; set ${Object.keys(args.vars ?? {}).join(', ')}` : 'accepted', seen);
  },
});
