/**
 * Republish loop protection.
 *
 * AWS evaluates a message a rule republishes like any other publish ("messages republished by a rule act like
 * messages sent by any other AWS IoT device or client" [DG:iot-repub-rule]) and lets a rule republish onto its own
 * FROM: such a rule feeds itself until the account is throttled; AWS documents no limit for it. Locally that would
 * keep a CPU core and the broker busy forever, so every message the rules republish carries its lineage (the rules
 * that produced it, oldest first), and a rule is not evaluated on a message its own republishes produced
 * `MAX_RULE_REPEATS` times: that counts as a failed action of the rule, with the reason in the trace. The bound is
 * Lambda's, whose recursive loop detection stops a loop after about 16 invocations [Lambda DG:invocation-recursion].
 *
 * The broker does not carry the lineage, so republishes announce what they are about to publish and the rules claim it
 * when the broker's tap hands it back (same topic and the same payload buffer, no client id; equal bytes as a fallback).
 */
export const MAX_RULE_REPEATS = 16;

/** The rules that produced a message, oldest first; empty for a device's own publish. */
export type Lineage = readonly string[];

export const NO_LINEAGE: Lineage = Object.freeze([]);

/** Why `rule` must not be evaluated on a message of this lineage, or null when it may. */
export function republishLoopError(rule: string, lineage: Lineage): string | null {
  if (lineage.length < MAX_RULE_REPEATS) return null; // the common case: a device's message or a short chain
  let repeats = 0;
  for (const r of lineage) if (r === rule) repeats++;
  if (repeats < MAX_RULE_REPEATS) return null;
  return `republish loop stopped: this message comes from ${repeats} rounds of rule ${rule}'s own republish (its output `
    + `feeds its own FROM, directly or through other rules), so the rule is not evaluated on it again; the limit is ${MAX_RULE_REPEATS} rounds`;
}

interface Expected { payload: Buffer; lineage: Lineage }

/** Republishes in flight, matched to the broker's tap by topic and payload bytes. */
export class LineageTracker {
  private readonly inFlight = new Map<string, Expected[]>();

  /** Announces a republish; call the returned function once the publish settled (the tap has run by then). */
  expect(topic: string, payload: Buffer, lineage: Lineage): () => void {
    const entry: Expected = { payload, lineage };
    let list = this.inFlight.get(topic);
    if (!list) this.inFlight.set(topic, (list = []));
    list.push(entry);
    return () => this.remove(topic, entry);
  }

  /** The lineage of a publish the engine made, if it is an announced republish. */
  take(topic: string, payload: Buffer): Lineage {
    const list = this.inFlight.get(topic);
    const entry = list?.find((e) => e.payload === payload) ?? list?.find((e) => e.payload.equals(payload));
    if (!entry) return NO_LINEAGE;
    this.remove(topic, entry);
    return entry.lineage;
  }

  private remove(topic: string, entry: Expected): void {
    const list = this.inFlight.get(topic);
    const i = list?.indexOf(entry) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    if (!list!.length) this.inFlight.delete(topic);
  }
}
