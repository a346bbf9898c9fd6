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

/**
 * get_mqtt_property(name) [DG:iot-sql-functions#iot-sql-function-get-mqtt-property]: one of the message's MQTT 5
 * headers by the literal name AWS defines — `content_type`, `format_indicator` (`UNSPECIFIED_BYTES` | `UTF8_DATA`),
 * `response_topic`, `correlation_data` (base64). Any other name, or a header the message lacks, is Undefined.
 */
function mqttProperty(ctx: MessageContext, name: SqlValue): SqlValue {
  const p = ctx.message.mqtt5;
  if (!p || typeof name !== 'string') return undefined;
  switch (name) {
    case 'format_indicator': return p.payloadFormatIndicator === undefined ? undefined : PAYLOAD_FORMAT[p.payloadFormatIndicator];
    case 'content_type': return p.contentType;
    case 'response_topic': return p.responseTopic;
    case 'correlation_data': return p.correlationData ? Buffer.from(p.correlationData).toString('base64') : undefined;
    default: return undefined;
  }
}

/**
 * get_user_properties(key) [DG:iot-sql-functions#iot-sql-function-get-user-properties]: the values of every user
 * property named `key`, in the order sent (duplicates kept); with no argument, every user property as an array of
 * one-entry objects (`[{"k":"v"}, …]`). Undefined when the message has none that match.
 */
function userProperties(ctx: MessageContext, ...args: SqlValue[]): SqlValue {
  const props = ctx.message.mqtt5?.userProperties;
  if (!props?.length) return undefined;
  if (args.length === 0) return props.map(([k, v]) => ({ [k]: v }));
  const key = args[0];
  if (typeof key !== 'string') return undefined;
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
  contextual('get_user_properties', 0, 1, userProperties),
  contextual('get_thing_shadow', 2, 3, thingShadow, V2),
  external('aws_lambda', 2, 2, '2015-10-08'),
  external('get_dynamodb', 4, 6),
  external('get_secret', 3, 4, '2015-10-08'),
  external('get_registry_data', 3, 3),
  external('machinelearning_predict', 3, 3, '2015-10-08'),
];
