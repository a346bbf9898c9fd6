/**
 * `GET|POST|DELETE /things/{thing}/shadow[?name=]`: the device's shadow requests go over the shadow's own MQTT topics
 * through its session, so the shadow service answers them exactly as an MQTT device's and the device's policy decides
 * on those topics (`…/get`, `…/get/accepted`, …). `GET` with Observe notifies each new document (`…/update/documents`);
 * a deletion (`…/delete/accepted`) ends the observation with a 4.04 notification (RFC 7641 §3.2).
 */
import { randomUUID } from 'node:crypto';
import { ObserveWriteStream } from 'coap';
import type { DeviceSession } from '../../broker/index.js';
import { EngineError } from '../../core/index.js';
import { CoapCode } from './coap-codes.js';
import { reply, type CoapResponse } from './coap-reply.js';
import type { CoapRequest } from './coap-request.js';
import type { CoapContext } from './coap-router.js';

/** The longest the edge waits for the shadow service's answer. */
const SHADOW_REPLY_MS = 10_000;
const THING = /^[a-zA-Z0-9:_-]{1,128}$/;
const SHADOW_NAME = /^[a-zA-Z0-9:_-]{1,64}$/;
const JSON_FORMAT = 'application/json';

type Operation = 'get' | 'update' | 'delete';
const success: Record<Operation, CoapCode> = { get: CoapCode.Content, update: CoapCode.Changed, delete: CoapCode.Deleted };

export async function shadowRoute(r: CoapRequest, res: CoapResponse, ctx: CoapContext, thing: string, session: DeviceSession): Promise<void> {
  const target = r.path[1];
  const name = r.query.get('name');
  if (!THING.test(target)) throw new EngineError('InvalidInput', `invalid thing name '${target}'`);
  if (name !== undefined && !SHADOW_NAME.test(name)) throw new EngineError('InvalidInput', `invalid shadow name '${name}'`);
  const prefix = `$aws/things/${target}/shadow${name !== undefined ? `/name/${name}` : ''}`;
  const op: Operation | undefined = r.method === 'GET' ? 'get' : r.method === 'POST' || r.method === 'PUT' ? 'update' : r.method === 'DELETE' ? 'delete' : undefined;
  if (!op) throw new EngineError('InvalidInput', `${r.method} is not allowed on a shadow`, { reason: 'method' });
  const answer = await shadowCall(session, prefix, op, op === 'update' ? updateDocument(r.payload) : {});
  if (!answer.ok) {
    ctx.counters.refuse(answer.code);
    return reply(res, answer.code, answer.body, { format: JSON_FORMAT });
  }
  if (!(res instanceof ObserveWriteStream)) return reply(res, success[op], answer.body, { format: JSON_FORMAT });
  // The first notification is the current document; later ones each new version.
  const notify = (payload: Buffer) => ctx.observations.notify(r.exchange, res, payload);
  res.setOption('Content-Format', JSON_FORMAT);
  res.statusCode = CoapCode.Content;
  const documents = session.subscribe(`${prefix}/update/documents`, (m) => notify(currentDocument(m.payload)));
  const deleted = subscribeIfAllowed(session, `${prefix}/delete/accepted`, () => {
    ctx.observations.fail(r.exchange, res, CoapCode.NotFound, Buffer.from(JSON.stringify({ code: 404, message: `No shadow exists with name: '${name ?? target}'` })));
  });
  ctx.observations.add(r.exchange, res, [documents, ...(deleted ? [deleted] : []), ctx.sessions.hold(thing)]);
  notify(Buffer.from(answer.body));
}

/** The deletion notice needs iot:Subscribe on `…/delete/accepted`: a policy without it still gets the observation, only not the 4.04 at a deletion. */
function subscribeIfAllowed(session: DeviceSession, filter: string, onMessage: () => void): ReturnType<DeviceSession['subscribe']> | undefined {
  try {
    return session.subscribe(filter, onMessage);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'Forbidden') return undefined;
    throw e;
  }
}

/** An update request's body: a JSON object (the shadow service checks the rest, as for MQTT). */
function updateDocument(payload: Buffer): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new EngineError('InvalidInput', 'the shadow update must be a JSON document');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new EngineError('InvalidInput', 'the shadow update must be a JSON object');
  return doc as Record<string, unknown>;
}

/** `…/update/documents`' current state as GET returns a shadow. */
function currentDocument(payload: Buffer): Buffer {
  const doc = JSON.parse(payload.toString('utf8')) as { current?: object; timestamp?: number };
  return Buffer.from(JSON.stringify({ ...doc.current, timestamp: doc.timestamp }));
}

type Answer = { ok: true; body: string } | { ok: false; code: CoapCode; body: string };

/** One request on the shadow topics, answered on its accepted or rejected topic (matched by clientToken). */
function shadowCall(session: DeviceSession, prefix: string, op: Operation, body: Record<string, unknown>): Promise<Answer> {
  const clientToken = randomUUID();
  return new Promise<Answer>((resolve, reject) => {
    const subs: { dispose(): void }[] = [];
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      for (const s of subs) s.dispose();
      outcome();
    };
    const timer = setTimeout(() => finish(() => reject(new EngineError('Unavailable', 'the shadow service did not answer in time'))), SHADOW_REPLY_MS);
    const onReply = (accepted: boolean) => (m: { payload: Buffer }) => {
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        return;
      }
      if (doc.clientToken !== clientToken) return; // another request's answer
      delete doc.clientToken;
      const code = typeof doc.code === 'number' ? doc.code : 500;
      finish(() => resolve(accepted ? { ok: true, body: JSON.stringify(doc) } : { ok: false, code: httpToCoap(code), body: JSON.stringify(doc) }));
    };
    try {
      subs.push(session.subscribe(`${prefix}/${op}/accepted`, onReply(true)));
      subs.push(session.subscribe(`${prefix}/${op}/rejected`, onReply(false)));
    } catch (e) {
      finish(() => reject(e));
      return;
    }
    session.publish({ topic: `${prefix}/${op}`, payload: Buffer.from(JSON.stringify({ ...body, clientToken })), qos: 0, retain: false })
      .catch((e: unknown) => finish(() => reject(e)));
  });
}

/** The shadow service's HTTP-style codes (400, 404, 409, 413, 429, 500, …) read as CoAP codes (4.00, 4.04, …). */
function httpToCoap(code: number): CoapCode {
  return `${Math.floor(code / 100)}.${String(code % 100).padStart(2, '0')}` as CoapCode;
}
