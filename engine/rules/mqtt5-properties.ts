/**
 * What `get_mqtt_property()` and `get_user_properties()` read of a message's MQTT 5 properties (`sql/context.ts`
 * `Mqtt5Properties`), from the broker's shape (a tapped message) or the UI contract's (a sample message in `rules.test`).
 */
import type { Properties } from '../broker/index.js';
import type { MessageProperties } from '../contract/index.js';
import type { Mqtt5Properties } from './sql/index.js';

export function sqlProperties(p: Properties): Mqtt5Properties {
  const out: Mqtt5Properties = {};
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = p.correlationData;
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator ? 1 : 0;
  if (p.userProperties) out.userProperties = p.userProperties;
  return out;
}

/** A `rules.test` sample's properties (checked at the contract's edge: correlation data is base64). */
export function sampleProperties(p: MessageProperties): Mqtt5Properties {
  const out: Mqtt5Properties = {};
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = Buffer.from(p.correlationData, 'base64');
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator ? 1 : 0;
  if (p.userProperties) out.userProperties = p.userProperties;
  return out;
}
