/**
 * Functions that read the message or reach outside it: topic, clientid, principal, traceid, timestamp, newuuid,
 * rand, accountid, sourceip, MQTT 5 properties, get_thing_shadow and the external AWS calls [DG:iot-sql-functions].
 */
import type { MessageContext } from '../context.js';
import { toFlooredInt, type SqlValue } from '../values.js';
import { contextual, V2, type SqlFunction } from './types.js';

/** topic() is the whole topic; topic(n) the 1-based level n, Undefined when out of range. */
function topic(ctx: MessageContext, n?: SqlValue): SqlValue {
  if (n === undefined) return ctx.topic;
  const i = toFlooredInt(n);
  if (i === undefined || i < 1) return undefined;
  return ctx.topicLevels()[i - 1];
}

const PAYLOAD_FORMAT = ['UNSPECIFIED_BYTES', 'UTF8_DATA'];

function mqttProperty(ctx: MessageContext, name: SqlValue): SqlValue {
  const p = ctx.message.mqtt5;
  if (!p || typeof name !== 'string') return undefined;
  switch (name) {
    case 'format': return p.payloadFormatIndicator === undefined ? undefined : PAYLOAD_FORMAT[p.payloadFormatIndicator];
    case 'content_type': return p.contentType;
    case 'response_topic': return p.responseTopic;
    case 'correlation_data': return p.correlationData ? Buffer.from(p.correlationData).toString('base64') : undefined;
    default: return undefined;
  }
}

function userProperties(ctx: MessageContext, key: SqlValue): SqlValue {
  const props = ctx.message.mqtt5?.userProperties;
  if (!props || typeof key !== 'string') return undefined;
  const values = props.filter(([k]) => k === key).map(([, v]) => v);
  return values.length ? values : undefined;
}

/** get_thing_shadow(thing, roleArn) or (thing, shadowName, roleArn): the injected reader; no reader → Undefined. */
function thingShadow(ctx: MessageContext, thing: SqlValue, second: SqlValue, third?: SqlValue): SqlValue {
  const named = third !== undefined;
  if (typeof thing !== 'string' || (named && typeof second !== 'string')) return undefined;
  const read = ctx.env.getThingShadow;
  return read ? read(thing, named ? (second as string) : undefined) : undefined;
}

function external(name: string, minArgs: number, maxArgs: number, since = V2): SqlFunction {
  const f = contextual(name, minArgs, maxArgs, (ctx, ...args) => (ctx.env.callExternal ? ctx.env.callExternal(name, args) : undefined), since);
  return { ...f, external: true };
}

export const messageFunctions: SqlFunction[] = [
  contextual('topic', 0, 1, topic),
  // "n/a" when the message was not sent over MQTT.
  contextual('clientid', 0, 0, (ctx) => ctx.message.clientId ?? 'n/a'),
  contextual('principal', 0, 0, (ctx) => ctx.message.principal),
  contextual('traceid', 0, 0, (ctx) => ctx.message.traceId),
  contextual('timestamp', 0, 0, (ctx) => ctx.timestamp()),
  contextual('newuuid', 0, 0, (ctx) => ctx.newUuid()),
  contextual('rand', 0, 0, (ctx) => ctx.random()),
  contextual('accountid', 0, 0, (ctx) => ctx.env.accountId),
  contextual('sourceip', 0, 0, (ctx) => ctx.message.sourceIp),
  contextual('get_mqtt_property', 1, 1, mqttProperty),
  contextual('get_user_properties', 1, 1, userProperties),
  contextual('get_thing_shadow', 2, 3, thingShadow, V2),
  external('aws_lambda', 2, 2, '2015-10-08'),
  external('get_dynamodb', 4, 6),
  external('get_secret', 3, 4, '2015-10-08'),
  external('get_registry_data', 3, 3),
  external('machinelearning_predict', 3, 3, '2015-10-08'),
];
