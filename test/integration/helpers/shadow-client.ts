/** Shadow test helpers: an mqtt.js client that watches a shadow's reply topics, request/response over MQTT, SDK setup. */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { open, type Recorded } from '../../helpers/broker-clients.js';
import { until } from '../../helpers/engine.js';

export type Doc = Record<string, any>;

export const prefix = (thing: string, name?: string) => (name === undefined ? `$aws/things/${thing}/shadow` : `$aws/things/${thing}/shadow/name/${name}`);

export interface ShadowWatcher {
  rec: Recorded;
  /** Parsed payloads received on `prefix + suffix`, in order. */
  on(suffix: string): Doc[];
  /** Publishes a request and resolves with the first `/accepted` or `/rejected` answer that follows it. */
  request(op: 'get' | 'update' | 'delete', body?: unknown): Promise<{ kind: 'accepted' | 'rejected'; doc: Doc }>;
  /** Waits until `count` messages arrived on `prefix + suffix`. */
  waitFor(suffix: string, count?: number): Promise<Doc[]>;
  end(): Promise<void>;
}

/** Connects and subscribes (QoS 1) to every reply topic of one shadow. */
export async function watchShadow(port: number, thing: string, name?: string): Promise<ShadowWatcher> {
  const rec = await open(port);
  const p = prefix(thing, name);
  const replies = ['get', 'update', 'delete'].flatMap((op) => [`${p}/${op}/accepted`, `${p}/${op}/rejected`])
    .concat([`${p}/update/delta`, `${p}/update/documents`]);
  await rec.client.subscribeAsync(replies, { qos: 1 });
  const on = (suffix: string) => rec.messages.filter((m) => m.topic === p + suffix).map((m) => JSON.parse(m.payload.toString()) as Doc);
  const waitFor = async (suffix: string, count = 1) => {
    await until(() => on(suffix).length >= count, 5000, `${count} message(s) on ${p}${suffix}`);
    return on(suffix);
  };
  return {
    rec,
    on,
    waitFor,
    async request(op, body) {
      const before = { accepted: on(`/${op}/accepted`).length, rejected: on(`/${op}/rejected`).length };
      const payload = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      await rec.client.publishAsync(`${p}/${op}`, payload, { qos: 1 });
      await until(() => on(`/${op}/accepted`).length > before.accepted || on(`/${op}/rejected`).length > before.rejected, 5000, `an answer to ${op}`);
      const accepted = on(`/${op}/accepted`);
      return accepted.length > before.accepted
        ? { kind: 'accepted', doc: accepted[before.accepted] }
        : { kind: 'rejected', doc: on(`/${op}/rejected`)[before.rejected] };
    },
    end: () => rec.client.endAsync(true),
  };
}

export function sdkClient(httpUrl: string): IoTDataPlaneClient {
  return new IoTDataPlaneClient({
    region: 'us-east-1', endpoint: httpUrl, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1,
  });
}

export const decode = (payload: Uint8Array | undefined): Doc => JSON.parse(Buffer.from(payload ?? []).toString()) as Doc;

/**
 * Replaces every `timestamp` (epoch seconds) with 0 after checking it lies within [from, to], so that documents
 * can be compared with AWS's examples structurally.
 */
export function withoutTimes(doc: unknown, from: number, to = Math.ceil(Date.now() / 1000)): any {
  if (Array.isArray(doc)) return doc.map((d) => withoutTimes(d, from, to));
  if (doc === null || typeof doc !== 'object') return doc;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'timestamp' && typeof v === 'number') {
      if (!(Number.isInteger(v) && v >= from && v <= to)) throw new Error(`timestamp ${v} is not epoch seconds within [${from}, ${to}]`);
      out[k] = 0;
    } else out[k] = withoutTimes(v, from, to);
  }
  return out;
}

export async function sdkError(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected the call to fail');
}
