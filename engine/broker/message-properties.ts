/**
 * A PUBLISH's MQTT 5 properties between the engine's shape (`Properties`: correlation data a Buffer) and the UI
 * contract's (`MessageProperties`: correlation data base64). Only message properties cross: payload format, expiry,
 * content type, response topic, correlation data and user properties (never a topic alias or subscription identifier).
 */
import type { MessageProperties } from '../contract/index.js';
import type { Properties } from './mqtt5/properties.js';

/** For the UI contract: correlation data as base64, user properties as ordered pairs. */
export function toMessageProperties(p: Properties): MessageProperties {
  const out: MessageProperties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData).toString('base64');
  if (p.userProperties?.length) out.userProperties = p.userProperties.map(([k, v]) => [k, v]);
  return out;
}

/** From the UI contract (checked at the edge); undefined when there is nothing to carry. */
export function fromMessageProperties(p: MessageProperties | undefined): Properties | undefined {
  if (!p) return undefined;
  const out: Properties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData, 'base64');
  if (p.userProperties?.length) out.userProperties = p.userProperties.map(([k, v]) => [k, v]);
  return Object.keys(out).length ? out : undefined;
}
