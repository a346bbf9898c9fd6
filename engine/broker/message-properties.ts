/**
 * A PUBLISH's MQTT 5 properties between the engine's shape (`Properties`: correlation data a Buffer) and the UI
 * contract's (`MessageProperties`: correlation data base64); the engine → contract direction is the contract's own
 * `toMessageProperties`, shared with the recorder's mqtt.js subscriber. Only message properties cross: payload format, expiry,
 * content type, response topic, correlation data and user properties (never a topic alias or subscription identifier).
 */
import type { MessageProperties } from '../contract/index.js';
export { toMessageProperties } from '../contract/index.js';
import type { Properties } from './mqtt5/properties.js';

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
