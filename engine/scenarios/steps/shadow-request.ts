/** A Device Shadow request over MQTT, as a device makes it: publish with a clientToken, read accepted or rejected. */
import type { MqttClient } from 'mqtt';
import { EngineError } from '../../core/index.js';
import type { StepContext } from './step.js';

export const shadowTopic = (thing: string, name: string | undefined, suffix: string): string =>
  name === undefined ? `$aws/things/${thing}/shadow/${suffix}` : `$aws/things/${thing}/shadow/name/${name}/${suffix}`;

const subscribed = new WeakMap<MqttClient, Set<string>>();

async function ensureSubscribed(client: MqttClient, filter: string): Promise<void> {
  let set = subscribed.get(client);
  if (!set) subscribed.set(client, (set = new Set()));
  if (set.has(filter)) return;
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  if ((granted[0]?.qos ?? 0x80) >= 0x80) throw new EngineError('Forbidden', `the target refused the subscription to '${filter}'`);
  set.add(filter);
}

export interface ShadowReply {
  accepted: boolean;
  doc: Record<string, unknown>;
}

/** Sends `op` (`get`, `update`, `delete`) and resolves with the reply carrying our clientToken. */
export async function shadowRequest(ctx: StepContext, thing: string, name: string | undefined, op: 'get' | 'update' | 'delete', body: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<ShadowReply> {
  const client = await ctx.mqtt();
  const base = shadowTopic(thing, name, op);
  await ensureSubscribed(client, `${base}/accepted`);
  await ensureSubscribed(client, `${base}/rejected`);
  const clientToken = ctx.uniqueId('shadow');
  const reply = new Promise<ShadowReply>((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic !== `${base}/accepted` && topic !== `${base}/rejected`) return;
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      if (doc.clientToken !== clientToken) return;
      done();
      resolve({ accepted: topic.endsWith('/accepted'), doc });
    };
    const onAbort = () => {
      done();
      reject(ctx.signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new EngineError('Unavailable', `no reply on ${base}/accepted or /rejected within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      client.off('message', onMessage);
      ctx.signal.removeEventListener('abort', onAbort);
    };
    client.on('message', onMessage);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  reply.catch(() => undefined);
  await client.publishAsync(base, JSON.stringify({ ...body, clientToken }), { qos: 1 });
  return reply;
}
