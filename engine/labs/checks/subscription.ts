/**
 * `subscription: { topic, protocol?, endpoint?, attributes? }`: the SNS topic (its ARN) has a confirmed subscription
 * of that protocol to that endpoint, with these subscription attributes (`RawMessageDelivery: "true"`, a
 * `FilterPolicy`, …), read with ListSubscriptionsByTopic and GetSubscriptionAttributes.
 */
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, type Subscription } from '@aws-sdk/client-sns';
import { defineCheck, done, listText, missing } from './check.js';

export interface SubscriptionArgs {
  topic: string;
  protocol?: string;
  endpoint?: string;
  attributes?: Record<string, string>;
}

const name = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
const describe = (s: Subscription) => `${s.Protocol} to ${s.Endpoint}`;

export const subscriptionCheck = defineCheck<SubscriptionArgs>({
  kind: 'subscription',
  summary: 'An SNS topic has a confirmed subscription of this protocol to this endpoint, with these attributes (ListSubscriptionsByTopic).',
  localOnly: false,
  schema: {
    type: 'object', required: ['topic'], additionalProperties: false,
    properties: {
      topic: { type: 'string', pattern: '^arn:', description: "The topic's ARN (arn:aws:sns:${region}:${account}:NAME)." },
      protocol: { enum: ['sqs', 'lambda', 'http', 'https', 'email', 'email-json', 'sms', 'application', 'firehose'] },
      endpoint: { type: 'string', minLength: 1, description: "The subscription's endpoint: a queue's or function's ARN, a URL, an address." },
      attributes: { type: 'object', additionalProperties: { type: 'string' }, description: 'Subscription attributes it must have, as SNS returns them ("true", JSON text).' },
    },
  },
  async check(ctx, a) {
    const sns = ctx.clients.sns();
    const subs: Subscription[] = [];
    let token: string | undefined;
    do {
      const page = await ctx.clients.find('ListSubscriptionsByTopic', () => sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: a.topic, ...(token ? { NextToken: token } : {}) })));
      if (!page) return missing(`there is no SNS topic ${name(a.topic)} (${a.topic})`);
      subs.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
    const topic = `the SNS topic ${name(a.topic)}`;
    const wanted = `${a.protocol ?? 'any protocol'}${a.endpoint ? ` to ${a.endpoint}` : ''}`;
    const matching = subs.filter((s) => (a.protocol === undefined || s.Protocol === a.protocol) && (a.endpoint === undefined || s.Endpoint === a.endpoint));
    if (!matching.length) {
      return missing(subs.length ? `${topic} has ${subs.length === 1 ? 'one subscription' : `${subs.length} subscriptions`}, ${listText(subs.map(describe))}, none ${wanted}` : `${topic} has no subscriptions (expected ${wanted})`);
    }
    const confirmed = matching.filter((s) => s.SubscriptionArn?.startsWith('arn:'));
    if (!confirmed.length) return missing(`the subscription of ${topic} ${wanted} is pending confirmation`);
    const wants = Object.entries(a.attributes ?? {});
    if (!wants.length) return done(`${topic} delivers ${describe(confirmed[0])}`);
    let found = '';
    for (const s of confirmed) {
      const res = await ctx.clients.call('GetSubscriptionAttributes', () => sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn })));
      const attrs = res.Attributes ?? {};
      const wrong = wants.filter(([k, v]) => attrs[k] !== v);
      if (!wrong.length) return done(`${topic} delivers ${describe(s)} with ${listText(wants.map(([k, v]) => `${k} ${v}`))}`);
      found ||= listText(wrong.map(([k, v]) => `${k} ${attrs[k] === undefined ? 'unset' : JSON.stringify(attrs[k])} (expected ${JSON.stringify(v)})`));
    }
    return missing(`the subscription of ${topic} ${wanted} has ${found}`);
  },
});
