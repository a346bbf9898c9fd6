/**
 * Shared subscriptions, `$share/{ShareName}/{TopicFilter}` (MQTT 5 §4.8.2; AWS IoT Core offers them to MQTT 3.1.1 and
 * MQTT 5 clients: https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-shared-subscription).
 *
 * The router (aedes) is asked for one real subscription per (ShareName, TopicFilter), to the bare filter; each message
 * it hands over goes to one member of that group: a random one in `aws` mode (as AWS documents), the next one in turn
 * in `standard` mode (MQTT 5 §4.8.2 leaves the choice to the server). Each group whose filter
 * matches gets its own copy, and ordinary subscriptions are untouched. A member gets the message at no more than the
 * QoS it was granted [MQTT-4.8.2-3]. Members that leave (UNSUBSCRIBE, the end of a clean session) leave the group;
 * a persistent member that goes offline stays in it (also across an engine restart, from its stored subscriptions),
 * and a QoS 1 message that no online member can take is queued in its session, as AWS does.
 *
 * LIMITATION: messages queued for an offline member are not paced at AWS's 20 messages per second per member.
 *
 * Nothing here knows aedes: the router, the members' clients and their sessions are reached through {@link ShareHost}.
 */

export const SHARE_PREFIX = '$share/';

export interface SharedFilter {
  share: string;
  /** The topic filter after `$share/{ShareName}/`. */
  filter: string;
}

/** AWS: a ShareName has at most 128 characters. */
export const AWS_MAX_SHARE_NAME = 128;

export function isShared(topic: string): boolean {
  return topic.startsWith(SHARE_PREFIX);
}

/** The filter a subscription matches topics with: the part after `$share/{ShareName}/` for a shared one. */
export function innerFilter(topic: string): string {
  if (!isShared(topic)) return topic;
  const slash = topic.indexOf('/', SHARE_PREFIX.length);
  return slash < 0 ? '' : topic.slice(slash + 1);
}

/**
 * A `$share/…` filter's parts, or what is wrong with it: [MQTT-4.8.2-1] a ShareName of at least one character,
 * [MQTT-4.8.2-2] without `/`, `+` or `#`, followed by `/` and a topic filter; AWS also caps the ShareName's length.
 */
export function parseShared(topic: string, maxShareName = 0, validFilter: (f: string) => boolean = () => true): SharedFilter | { problem: string } {
  const slash = topic.indexOf('/', SHARE_PREFIX.length);
  if (slash < 0) return { problem: 'a shared subscription needs $share/{ShareName}/{TopicFilter}' };
  const share = topic.slice(SHARE_PREFIX.length, slash);
  const filter = topic.slice(slash + 1);
  if (!share.length) return { problem: 'the ShareName is empty' };
  if (/[+#]/.test(share)) return { problem: "the ShareName contains '+' or '#'" };
  if (maxShareName && share.length > maxShareName) return { problem: `the ShareName has ${share.length} characters, over the limit of ${maxShareName}` };
  if (!filter.length || !validFilter(filter)) return { problem: 'the topic filter after the ShareName is not a valid filter' };
  return { share, filter };
}

/**
 * A malformed `$share/…` filter is renamed to this before aedes sees it, because aedes would close the connection for
 * some of them (a '+' in the ShareName); it is then refused alone with SUBACK 0x80, like a filter over the limits.
 * U+0000 cannot start a valid filter [MQTT-4.7.3-2], so it never names a real subscription.
 */
export const refusedPlaceholder = (index: number): string => `\u0000refused-shared-subscription/${index}`;
export const isRefusedPlaceholder = (topic: string): boolean => topic.charCodeAt(0) === 0;

/** The router's delivery function for one subscription (aedes: `(packet, done)`). */
export type Deliver<P> = (packet: P, done: () => void) => void;

interface RoutedPacket {
  topic: string;
  qos: number;
}

/** What the dispatcher needs from the router, the members' clients and their sessions. */
export interface ShareHost<C, P extends RoutedPacket> {
  /** The real subscription, to the bare filter. */
  subscribe(filter: string, deliver: Deliver<P>, done?: (err?: Error | null) => void): void;
  unsubscribe(filter: string, deliver: Deliver<P>, done?: (err?: Error | null) => void): void;
  /** The client that asked for `topic` with this delivery function, if it is still connected. */
  ownerOf(topic: string, deliver: Deliver<P>): C | undefined;
  /** The client's id, the QoS it was granted for `topic`, and whether its session outlives the connection. */
  clientId(client: C): string;
  granted(client: C, topic: string): number;
  persistent(client: C): boolean;
  closed(client: C): boolean;
  /** The group's filter takes this topic (the mode's matching rules beyond the router's: AWS's `#`). */
  matches(filter: string, topic: string): boolean;
  /** This member may receive the message (Security: iot:Receive). */
  mayReceive(client: C, topic: string): boolean;
  /** Keeps a message in a persistent session's queue: sent now if it is online, when it reconnects if not. */
  enqueue(clientId: string, packet: P): Promise<void>;
}

interface Member<C, P> {
  client: C;
  clientId: string;
  deliver: Deliver<P>;
  qos: number;
}

const noop = () => {};

/** One `$share/{ShareName}/{TopicFilter}`: its members and the one real subscription that feeds them. */
class Group<C, P extends RoutedPacket> {
  readonly members: Array<Member<C, P>> = [];
  /** Persistent members now offline: client id → granted QoS. */
  readonly offline = new Map<string, number>();
  private turn = 0;
  /** The router holds the group's real subscription. */
  attached = false;

  constructor(readonly filter: string, private readonly host: ShareHost<C, P>, private readonly random: boolean) {}

  get empty(): boolean {
    return this.members.length === 0 && this.offline.size === 0;
  }

  /** The router's delivery function for the group. */
  readonly dispatch: Deliver<P> = (packet, done) => {
    const { host, filter } = this;
    // [MQTT-4.7.2-1] a filter starting with a wildcard does not match '$' topics (aedes checks its own subscriptions).
    if (packet.topic.charCodeAt(0) === 36 && (filter.charCodeAt(0) === 43 || filter.charCodeAt(0) === 35)) return done();
    if (!host.matches(filter, packet.topic)) return done();
    const member = this.pick(packet.topic);
    if (member) return this.send(member, packet, done);
    if (!this.members.length && packet.qos > 0 && this.offline.size) return this.queue(packet, done);
    done();
  };

  /** The next member (or a random one) that may receive the topic. */
  private pick(topic: string): Member<C, P> | undefined {
    const n = this.members.length;
    if (!n) return undefined;
    const start = this.random ? Math.floor(Math.random() * n) : this.turn % n;
    for (let i = 0; i < n; i++) {
      const m = this.members[(start + i) % n];
      if (this.host.mayReceive(m.client, topic)) {
        if (!this.random) this.turn = (start + i + 1) % n;
        return m;
      }
    }
    return undefined;
  }

  private send(member: Member<C, P>, packet: P, done: () => void): void {
    const out = withQos(packet, Math.min(packet.qos, member.qos)); // [MQTT-4.8.2-3]
    // A persistent session records the message before it is sent (aedes' own subscriptions are queued by the router).
    if (out.qos > 0 && this.host.persistent(member.client)) {
      const deliver = () => member.deliver(out, done);
      this.host.enqueue(member.clientId, out).then(deliver, deliver);
    } else member.deliver(out, done);
  }

  /** No member is online: a persistent one keeps a QoS 1 message until it reconnects, as AWS queues it. */
  private queue(packet: P, done: () => void): void {
    const ids = [...this.offline.keys()];
    const id = ids[this.random ? Math.floor(Math.random() * ids.length) : this.turn++ % ids.length];
    const qos = Math.min(packet.qos, this.offline.get(id) ?? 0);
    if (qos === 0) return done();
    this.host.enqueue(id, withQos(packet, qos)).then(done, done);
  }
}

function withQos<P extends RoutedPacket>(packet: P, qos: number): P {
  return qos === packet.qos ? packet : { ...packet, qos };
}

/** The groups, fed by the router's subscribe/unsubscribe calls for `$share/…` topics. */
export class SharedSubscriptions<C, P extends RoutedPacket> {
  private readonly groups = new Map<string, Group<C, P>>();

  constructor(private readonly host: ShareHost<C, P>, private readonly mode: 'random' | 'round-robin') {}

  /** The router was asked to subscribe `topic` (a `$share/…` filter) with a member's delivery function. */
  subscribe(topic: string, deliver: Deliver<P>, done: (err?: Error | null) => void = noop): void {
    const client = this.host.ownerOf(topic, deliver);
    // The router calls this only for a live connection: if no connection holds `deliver`, the router changed.
    if (!client) return void setImmediate(done, new Error(`shared subscription ${topic}: no connection holds its delivery function (router internals changed?)`));
    const clientId = this.host.clientId(client);
    const group = this.group(topic);
    if (!group) return void setImmediate(done, new Error(`not a valid shared subscription: ${topic}`));
    group.offline.delete(clientId);
    group.members.push({ client, clientId, deliver, qos: this.host.granted(client, topic) });
    this.attach(group, done);
  }

  /** The router was asked to drop a member's subscription: an UNSUBSCRIBE, or its connection closing. */
  unsubscribe(topic: string, deliver: Deliver<P>, done: (err?: Error | null) => void = noop): void {
    const group = this.groups.get(topic);
    const i = group ? group.members.findIndex((m) => m.deliver === deliver) : -1;
    if (!group || i < 0) return void setImmediate(done);
    const [member] = group.members.splice(i, 1);
    const { client, clientId } = member;
    // A persistent session that disconnected stays a member (unless the same client id is already back).
    if (this.host.closed(client) && this.host.persistent(client) && !group.members.some((m) => m.clientId === clientId)) {
      group.offline.set(clientId, member.qos);
    }
    this.detachIfEmpty(topic, group, done);
  }

  /** Whether the group of `topic` (`$share/{ShareName}/{TopicFilter}`) has a connected member now. */
  hasMember(topic: string): boolean {
    return (this.groups.get(topic)?.members.length ?? 0) > 0;
  }

  /** A client id connected: any offline membership it had is over (resumed sessions rejoined before the CONNACK). */
  connected(clientId: string): void {
    for (const [topic, group] of this.groups) {
      if (group.offline.delete(clientId)) this.detachIfEmpty(topic, group, noop);
    }
  }

  /** A stored persistent session's shared subscription, before its client reconnects (engine start). */
  restoreOffline(clientId: string, topic: string, qos: number): void {
    const group = this.group(topic);
    if (!group || group.members.some((m) => m.clientId === clientId)) return;
    group.offline.set(clientId, qos);
    this.attach(group, noop);
  }

  /** Members online and offline per `$share/…` filter (for views and tests). */
  snapshot(): Array<{ topic: string; online: string[]; offline: string[] }> {
    return [...this.groups].map(([topic, g]) => ({ topic, online: g.members.map((m) => m.clientId), offline: [...g.offline.keys()] }));
  }

  private group(topic: string): Group<C, P> | undefined {
    let group = this.groups.get(topic);
    if (group) return group;
    const parsed = parseShared(topic);
    if ('problem' in parsed) return undefined;
    group = new Group<C, P>(parsed.filter, this.host, this.mode === 'random');
    this.groups.set(topic, group);
    return group;
  }

  /** The group's real subscription exists once it has a member. */
  private attach(group: Group<C, P>, done: (err?: Error | null) => void): void {
    if (group.attached) return void setImmediate(done);
    group.attached = true;
    this.host.subscribe(group.filter, group.dispatch, done);
  }

  private detachIfEmpty(topic: string, group: Group<C, P>, done: (err?: Error | null) => void): void {
    if (!group.empty) return void setImmediate(done);
    this.groups.delete(topic);
    group.attached = false;
    this.host.unsubscribe(group.filter, group.dispatch, done);
  }
}
