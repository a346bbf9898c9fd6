/**
 * The cost of the counted traffic at the price table's prices (pure): one line per price, a share per service, and
 * the IoT Core charges per topic, per rule and per device.
 */
import type { CostLine, DeviceCost, RuleCost, ServiceCost, TopicCost, UsageReport } from '../contract/index.js';
import { PRICE_IDS, type PriceId, type PriceTable } from './price-table.js';
import { chunks, GB } from './request-meter.js';

/** A rule's billed counters, with its actions by kind (sizes summed in each service's increments). */
export interface RuleCounters {
  rule: string;
  triggered: number;
  billedTriggers: number;
  actions: number;
  billedActions: number;
  kinds: Record<string, { count: number; bytes: number; kb1: number; kb5: number; kb25: number; kb64: number }>;
}

/** Everything the engine counted, at one moment. */
export interface UsageCounters {
  usage: UsageReport;
  /** Device Shadow operations per thing (`billed` in 1 KB increments). */
  shadows: Array<{ thing: string; operations: number; billed: number }>;
  rules: RuleCounters[];
  functions: Array<{ name: string; invocations: number; gbSeconds: number }>;
  /** Requests to the emulated AWS services by price id, from their APIs. */
  requests: (id: PriceId) => number;
  kinesisShardHours: number;
}

export interface CostBreakdown {
  total: number;
  lines: CostLine[];
  services: ServiceCost[];
  topics: TopicCost[];
  rules: RuleCost[];
  devices: DeviceCost[];
}

/** What a rule action of this kind is on AWS: the price it is billed at and its quantity for these executions. */
const ACTION_REQUESTS: Record<string, (k: RuleCounters['kinds'][string]) => [PriceId, number]> = {
  sqs: (k) => ['sqs.requests', k.kb64],
  sns: (k) => ['sns.requests', k.kb64],
  dynamoDB: (k) => ['dynamodb.writes', k.kb1],
  dynamoDBv2: (k) => ['dynamodb.writes', k.kb1],
  kinesis: (k) => ['kinesis.putUnits', k.kb25],
  firehose: (k) => ['firehose.ingestion', (k.kb5 * 5 * 1024) / GB],
  s3: (k) => ['s3.puts', k.count],
  cloudwatchLogs: (k) => ['logs.ingestion', k.bytes / GB],
  cloudwatchMetric: (k) => ['cloudwatch.requests', k.count],
  cloudwatchAlarm: (k) => ['cloudwatch.requests', k.count],
  // lambda: counted by the functions themselves (every invocation, whoever made it); republish: by the broker.
};

/** Connection time is billed in one-minute increments, per client. */
const billedMinutes = (minutes: number) => (minutes > 0 ? Math.ceil(minutes - 1e-9) : 0);

export function computeCost(table: PriceTable, c: UsageCounters): CostBreakdown {
  const price = (id: PriceId) => table.byId.get(id)!;
  const at = (id: PriceId, quantity: number) => (quantity * price(id).price) / price(id).per;
  const q = new Map<PriceId, number>(PRICE_IDS.map((id) => [id, c.requests(id)]));
  const add = (id: PriceId, n: number) => q.set(id, (q.get(id) ?? 0) + n);

  for (const client of c.usage.clients) add('iot.connectivity', billedMinutes(client.connectionMinutes));
  add('iot.messaging', c.usage.totals.billedMessages);
  for (const s of c.shadows) add('iot.shadow', s.billed);
  for (const r of c.rules) {
    add('iot.rulesTriggered', r.billedTriggers);
    add('iot.actionsExecuted', r.billedActions);
    for (const [kind, k] of Object.entries(r.kinds)) {
      const map = ACTION_REQUESTS[kind];
      if (map) {
        const [id, n] = map(k);
        add(id, n);
      }
    }
  }
  for (const f of c.functions) {
    add('lambda.requests', f.invocations);
    add('lambda.compute', f.gbSeconds);
  }
  add('kinesis.shardHours', c.kinesisShardHours);

  const lines: CostLine[] = PRICE_IDS.map((id) => {
    const p = price(id);
    const quantity = q.get(id) ?? 0;
    return { priceId: id, service: p.service, item: p.item, unit: p.unit, quantity, price: p.price, per: p.per, cost: at(id, quantity) };
  });
  const byService = new Map<string, number>();
  for (const l of lines) byService.set(l.service, (byService.get(l.service) ?? 0) + l.cost);
  const services = [...byService].map(([service, cost]) => ({ service, cost }));
  const total = lines.reduce((sum, l) => sum + l.cost, 0);

  const topics: TopicCost[] = c.usage.topics.map((t) => ({ ...t, cost: at('iot.messaging', t.billedMessages) }));
  const rules: RuleCost[] = c.rules.map((r) => ({
    rule: r.rule, triggered: r.triggered, billedTriggers: r.billedTriggers, actions: r.actions, billedActions: r.billedActions,
    cost: at('iot.rulesTriggered', r.billedTriggers) + at('iot.actionsExecuted', r.billedActions),
  }));
  const devices = new Map<string, DeviceCost>();
  const device = (name: string) => {
    let d = devices.get(name);
    if (!d) {
      d = { device: name, messages: 0, billedMessages: 0, connectionMinutes: 0, shadowOperations: 0, billedShadowOperations: 0, cost: 0 };
      devices.set(name, d);
    }
    return d;
  };
  for (const client of c.usage.clients) {
    const d = device(client.clientId);
    d.messages += client.messagesIn + client.messagesOut;
    d.billedMessages += client.billedMessages;
    d.connectionMinutes += client.connectionMinutes;
    d.cost += at('iot.messaging', client.billedMessages) + at('iot.connectivity', billedMinutes(client.connectionMinutes));
  }
  for (const s of c.shadows) {
    const d = device(s.thing);
    d.shadowOperations += s.operations;
    d.billedShadowOperations += s.billed;
    d.cost += at('iot.shadow', s.billed);
  }
  return { total, lines, services, topics, rules, devices: [...devices.values()] };
}

/** Registry operations AWS bills (AWS IoT Core additional metering details), each in 1 KB increments of its record. */
export const BILLED_REGISTRY_OPERATIONS: ReadonlySet<string> = new Set([
  'AddThingToThingGroup', 'AttachThingPrincipal', 'CreateThing', 'CreateThingGroup', 'CreateThingType', 'DescribeThing',
  'DescribeThingGroup', 'DescribeThingType', 'ListPrincipalThings', 'ListThingGroups', 'ListThingGroupsForThing',
  'ListThingPrincipals', 'ListThings', 'ListThingsInThingGroup', 'ListThingTypes', 'UpdateThing', 'UpdateThingGroup',
  'UpdateThingGroupsForThing',
]);

export { chunks };
