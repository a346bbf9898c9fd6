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
 * The lineage travels with the message through the broker: a republish publishes with `{ lineage }`
 * (`Publisher.publish`), and the broker's tap hands it back as `TappedMessage.lineage`. Only the engine's own
 * publishes carry one, so a device's or an HTTP publish of the same bytes never inherits a republish's lineage.
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
