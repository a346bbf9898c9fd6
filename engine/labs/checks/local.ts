/**
 * `local: { ruleMetrics | denied | delivery }`: what only the local engine can tell, read through its contract and
 * skipped, with the reason, on other targets. `ruleMetrics: { rule, matched?, actionsSucceeded?, actionsFailed?,
 * errorActionsSucceeded? }` (at least these counts since the engine started); `denied: { clientId?, action?,
 * resource? }` (a policy denial since the lab started: the refused publish a guide shows); `delivery: { filter, class,
 * ttlSeconds? }` (a delivery-class mapping of that filter; the TTL at most this many seconds).
 */
import { defineCheck, done, missing } from './check.js';

export interface LocalArgs {
  ruleMetrics?: { rule: string; matched?: number; actionsSucceeded?: number; actionsFailed?: number; errorActionsSucceeded?: number };
  denied?: { clientId?: string; action?: string; resource?: string };
  delivery?: { filter: string; class: 'telemetry' | 'event'; ttlSeconds?: number };
}

const COUNTS = ['matched', 'actionsSucceeded', 'actionsFailed', 'errorActionsSucceeded'] as const;

export const localCheck = defineCheck<LocalArgs>({
  kind: 'local',
  summary: "What only the local engine can tell: a rule's counters, the policy denials it logged, a topic's delivery class.",
  localOnly: true,
  schema: {
    type: 'object', additionalProperties: false, minProperties: 1, maxProperties: 1,
    description: 'exactly one of ruleMetrics, denied or delivery.',
    properties: {
      ruleMetrics: {
        type: 'object', required: ['rule'], additionalProperties: false,
        properties: { rule: { type: 'string', minLength: 1 }, ...Object.fromEntries(COUNTS.map((c) => [c, { type: 'integer', minimum: 0 }])) },
      },
      denied: {
        type: 'object', additionalProperties: false,
        properties: {
          clientId: { type: 'string', minLength: 1 },
          action: { type: 'string', minLength: 1, description: 'iot:Publish, iot:Subscribe, iot:Receive or iot:Connect.' },
          resource: { type: 'string', minLength: 1, description: 'A text the denied resource (an ARN) ends with: topic/device/x/data.' },
        },
      },
      delivery: {
        type: 'object', required: ['filter', 'class'], additionalProperties: false,
        properties: {
          filter: { type: 'string', minLength: 1, description: 'The mapped topic filter, as written.' },
          class: { enum: ['telemetry', 'event'] },
          ttlSeconds: { type: 'integer', minimum: 1, description: 'Events: the TTL is at most this many seconds.' },
        },
      },
    },
  },
  async check(ctx, a) {
    const api = ctx.target.api!;
    if (a.ruleMetrics) {
      const m = a.ruleMetrics;
      const rule = (await api.rules.list()).find((r) => r.name === m.rule);
      if (!rule) return missing(`there is no topic rule named ${m.rule}`);
      const [metrics] = await api.rules.metrics(m.rule);
      for (const c of COUNTS) {
        const want = m[c];
        if (want !== undefined && (metrics?.[c] ?? 0) < want) return missing(`the rule ${m.rule} has ${c} ${metrics?.[c] ?? 0}, expected at least ${want}${metrics?.lastError ? `; its last error: ${metrics.lastError.message}` : ''}`);
      }
      return done(`the rule ${m.rule} matched ${metrics?.matched ?? 0} messages (${metrics?.actionsSucceeded ?? 0} actions succeeded, ${metrics?.actionsFailed ?? 0} failed)`);
    }
    if (a.delivery) return deliveryMapped(await api.delivery.list(), a.delivery);
    const d = a.denied!;
    const denials = (await api.security.denials(500)).filter((x) => x.time >= ctx.since);
    const hit = denials.find((x) => (d.clientId === undefined || x.clientId === d.clientId) && (d.action === undefined || x.action === d.action) && (d.resource === undefined || x.resource.endsWith(d.resource)));
    if (hit) return done(`${hit.action} on ${hit.resource} by ${hit.clientId} was denied: ${hit.reason}`);
    return missing(`no ${d.action ?? 'action'}${d.resource ? ` on …${d.resource}` : ''}${d.clientId ? ` by ${d.clientId}` : ''} was denied since the lab started${denials.length ? ` (${denials.length} other denial${denials.length > 1 ? 's' : ''})` : ''}`);
  },
});

function deliveryMapped(mappings: Array<{ filter?: string; class: string; ttlSeconds?: number }>, want: NonNullable<LocalArgs['delivery']>) {
  const m = mappings.find((x) => x.filter === want.filter);
  if (!m) return missing(`no delivery class is mapped to ${want.filter}${mappings.length ? ` (mapped: ${mappings.map((x) => x.filter ?? 'a device').join(', ')})` : ''}`);
  if (m.class !== want.class) return missing(`${want.filter} is mapped to ${m.class}, not ${want.class}`);
  if (want.ttlSeconds !== undefined && (m.ttlSeconds === undefined || m.ttlSeconds > want.ttlSeconds)) return missing(`${want.filter}'s events live ${m.ttlSeconds ?? 'the default 3600'} s, expected at most ${want.ttlSeconds} s`);
  return done(`${want.filter} → ${m.class}${m.ttlSeconds !== undefined ? ` (ttl ${m.ttlSeconds} s)` : ''}`);
}
