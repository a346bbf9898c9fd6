/**
 * Between this module's Properties and the `properties` object mqtt-packet 9 reads and writes (aedes packets carry
 * that shape). mqtt-packet groups User Properties by name, so going through it loses their order: only use
 * fromMqttPacketProperties where the bytes are gone (e.g. a packet aedes rebuilt).
 */
import type { Properties, UserProperty } from './properties.js';

export type MqttPacketProperties = Record<string, unknown>;

/** The same properties as mqtt-packet expects them (`generate(packet, { protocolVersion: 5 })`). */
export function toMqttPacketProperties(p: Properties): MqttPacketProperties {
  const out: MqttPacketProperties = {};
  for (const key of Object.keys(p) as Array<keyof Properties>) {
    const value = p[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue; // mqtt-packet cannot write an empty list
    if (key === 'userProperties') out.userProperties = groupUserProperties(value as UserProperty[]);
    else if (key === 'subscriptionIdentifiers') {
      const ids = value as number[];
      out.subscriptionIdentifier = ids.length === 1 ? ids[0] : ids.slice();
    } else out[key] = value;
  }
  return out;
}

/** mqtt-packet's properties as Properties; User Properties in the order mqtt-packet's object lists them. */
export function fromMqttPacketProperties(m: MqttPacketProperties): Properties {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(m)) {
    const value = m[key];
    if (value === undefined) continue;
    if (key === 'userProperties') {
      const pairs: UserProperty[] = [];
      const grouped = value as Record<string, string | string[]>;
      for (const name of Object.getOwnPropertyNames(grouped)) {
        const v = grouped[name];
        if (Array.isArray(v)) for (const one of v) pairs.push([name, String(one)]);
        else pairs.push([name, String(v)]);
      }
      out.userProperties = pairs;
    } else if (key === 'subscriptionIdentifier') {
      out.subscriptionIdentifiers = Array.isArray(value) ? value.slice() : [value];
    } else if (key === 'maximumQoS') out.maximumQoS = value ? 1 : 0;
    else out[key] = value;
  }
  return out as Properties;
}

/** User Properties grouped by name, as mqtt-packet holds them: one value, or a list when a name repeats. */
export function groupUserProperties(pairs: readonly UserProperty[]): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of pairs) {
    const seen = grouped[name];
    if (seen === undefined) grouped[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else grouped[name] = [seen, value];
  }
  return grouped;
}
