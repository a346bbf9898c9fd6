/**
 * Topic aliases the broker assigns towards one MQTT 5 client that accepts them (its CONNECT's Topic Alias Maximum,
 * §3.3.2.3.4): the first PUBLISH of a topic carries the topic and its new alias, later ones the alias and an empty
 * topic. Only PUBLISHes of the batched path use them, and only QoS 0 ones set one: those are written in the order
 * they are encoded, so one that names only the alias never overtakes the one that set it. A QoS 1 or 2 PUBLISH there
 * may use an alias already set (it is written after the one that set it, or later still when it waits for the
 * client's Receive Maximum) but never sets one, as it could be held back behind QoS 0 ones naming it. Aliases are
 * never reassigned: once all are taken, new topics go in full.
 */
export class OutboundTopicAliases {
  private readonly byTopic = new Map<string, number>();

  constructor(private readonly maximum: number) {}

  /** The alias for `topic`, and whether the client already knows it; null when none is free. */
  assign(topic: string): { alias: number; known: boolean } | null {
    const alias = this.byTopic.get(topic);
    if (alias !== undefined) return { alias, known: true };
    if (this.byTopic.size >= this.maximum) return null;
    const next = this.byTopic.size + 1;
    this.byTopic.set(topic, next);
    return { alias: next, known: false };
  }

  /** The alias the client already knows for `topic`, if any (a QoS 1 or 2 PUBLISH uses it, never sets one). */
  known(topic: string): { alias: number; known: true } | null {
    const alias = this.byTopic.get(topic);
    return alias === undefined ? null : { alias, known: true };
  }

  /** The PUBLISH that was to set `topic`'s alias was not sent (over the client's Maximum Packet Size): take it back. */
  unassign(topic: string, alias: number): void {
    if (this.byTopic.get(topic) === alias && alias === this.byTopic.size) this.byTopic.delete(topic);
  }
}
