/**
 * What the rules engine would bill on AWS IoT Core, per rule: each rule triggered (its topic matched) and each action
 * executed, both in 5 KB increments of the message (AWS IoT Core pricing: https://aws.amazon.com/iot-core/pricing/),
 * with the actions' counts and bytes by kind for the services they reach (an `sqs` action is an SQS request).
 * Counters only: it runs on the message path.
 */

const INCREMENT = 5 * 1024;

/**
 * One action kind's executions for one rule, with the sums of each message's size rounded up to the increments the
 * services bill in (DynamoDB writes 1 KB, Firehose 5 KB, Kinesis 25 KB, SQS and SNS 64 KB).
 */
export interface ActionKindUsage {
  count: number;
  bytes: number;
  kb1: number;
  kb5: number;
  kb25: number;
  kb64: number;
}

const up = (bytes: number, kb: number) => Math.max(1, Math.ceil(bytes / (kb * 1024)));

export interface RuleUsage {
  rule: string;
  triggered: number;
  billedTriggers: number;
  actions: number;
  billedActions: number;
  /** By action kind (`sqs`, `lambda`, `republish`, …; the errorAction's kind too). */
  kinds: Record<string, ActionKindUsage>;
}

export class RuleMeter {
  private readonly rules = new Map<string, RuleUsage>();

  triggered(rule: string, bytes: number): void {
    const u = this.usage(rule);
    u.triggered++;
    u.billedTriggers += Math.max(1, Math.ceil(bytes / INCREMENT));
  }

  action(rule: string, kind: string, bytes: number): void {
    const u = this.usage(rule);
    u.actions++;
    u.billedActions += Math.max(1, Math.ceil(bytes / INCREMENT));
    const k = (u.kinds[kind] ??= { count: 0, bytes: 0, kb1: 0, kb5: 0, kb25: 0, kb64: 0 });
    k.count++;
    k.bytes += bytes;
    k.kb1 += up(bytes, 1);
    k.kb5 += up(bytes, 5);
    k.kb25 += up(bytes, 25);
    k.kb64 += up(bytes, 64);
  }

  report(): RuleUsage[] {
    return [...this.rules.values()].map((u) => ({ ...u, kinds: Object.fromEntries(Object.entries(u.kinds).map(([k, v]) => [k, { ...v }])) }));
  }

  private usage(rule: string): RuleUsage {
    let u = this.rules.get(rule);
    if (!u) {
      u = { rule, triggered: 0, billedTriggers: 0, actions: 0, billedActions: 0, kinds: Object.create(null) as Record<string, ActionKindUsage> };
      this.rules.set(rule, u);
    }
    return u;
  }
}
