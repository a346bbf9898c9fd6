/**
 * `event: { kind, clientId?, thing?, json?/where?, count?, absent? }`: a message check on the AWS IoT event topic of
 * that kind (`$aws/events/presence/connected/<clientId>`, `$aws/events/thing/<thing>/created`, …). Registry events
 * are published only when the target's event configuration enables them (UpdateEventConfigurations).
 */
import { matchSchemaProperties, type MatchSpec } from '../../scenarios/index.js';
import { defineCheck } from './check.js';
import { checkMessages, messageArgProperties } from './message.js';

export const EVENT_TOPICS = {
  connected: (id: string) => `$aws/events/presence/connected/${id}`,
  disconnected: (id: string) => `$aws/events/presence/disconnected/${id}`,
  subscribed: (id: string) => `$aws/events/subscriptions/subscribed/${id}`,
  unsubscribed: (id: string) => `$aws/events/subscriptions/unsubscribed/${id}`,
  'thing-created': (t: string) => `$aws/events/thing/${t}/created`,
  'thing-updated': (t: string) => `$aws/events/thing/${t}/updated`,
  'thing-deleted': (t: string) => `$aws/events/thing/${t}/deleted`,
  'thing-group-created': (t: string) => `$aws/events/thingGroup/${t}/created`,
  'thing-group-membership-added': (t: string) => `$aws/events/thingGroupMembership/thingGroup/+/thing/${t}/added`,
  'certificate-registered': () => '$aws/events/certificates/registered/+',
} as const;
export type EventKind = keyof typeof EVENT_TOPICS;

export interface EventArgs extends MatchSpec {
  kind: EventKind;
  clientId?: string;
  thing?: string;
  count?: number;
  exactly?: number;
  absent?: boolean;
  within?: string | number;
}

export const eventTopic = (a: EventArgs): string => EVENT_TOPICS[a.kind](a.clientId ?? a.thing ?? '+');

export const eventCheck = defineCheck<EventArgs>({
  kind: 'event',
  summary: 'An AWS IoT event (presence, subscription, registry) of this kind happened since the lab started.',
  localOnly: false,
  schema: {
    type: 'object', required: ['kind'], additionalProperties: false,
    properties: {
      kind: { enum: Object.keys(EVENT_TOPICS) },
      clientId: { type: 'string', minLength: 1, description: 'Presence and subscription events: the client id.' },
      thing: { type: 'string', minLength: 1, description: 'Registry events: the thing (or group) name.' },
      ...matchSchemaProperties,
      count: messageArgProperties.count, exactly: messageArgProperties.exactly, absent: messageArgProperties.absent, within: messageArgProperties.within,
    },
  },
  filters: (a) => [eventTopic(a)],
  check: (ctx, a) => {
    const topic = eventTopic(a);
    return checkMessages(ctx, { ...a, topic }, `of kind ${a.kind}${a.clientId ?? a.thing ? ` for ${a.clientId ?? a.thing}` : ''} (${topic})`);
  },
});
