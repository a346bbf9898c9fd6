/** Subscribe, ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic) and Get/SetSubscriptionAttributes of SNS. */
import type { NotifySink } from '../../../sinks/index.js';
import type { OperationHandler } from '../protocols/index.js';
import { pageOffset, pageToken } from './sns-topics.js';

const PAGE = 100;

const page = <T>(all: T[], token: string | undefined) => {
  const from = pageOffset(token);
  return { Subscriptions: all.slice(from, from + PAGE), ...(from + PAGE < all.length ? { NextToken: pageToken(from + PAGE) } : {}) };
};

export function snsSubscriptionOperations(notify: NotifySink): Record<string, OperationHandler> {
  const topics = notify.topics;
  return {
    Subscribe: async (input: { TopicArn: string; Protocol: string; Endpoint?: string; Attributes?: Record<string, string>; ReturnSubscriptionArn?: boolean }) => {
      const r = await notify.subscribe(input.TopicArn, input.Protocol, input.Endpoint, input.Attributes ?? {});
      // AWS: an http/https subscription waits for confirmation; its ARN is returned only when asked for.
      return { SubscriptionArn: r.pending && !input.ReturnSubscriptionArn ? 'pending confirmation' : r.subscriptionArn };
    },
    ConfirmSubscription: async (input: { TopicArn: string; Token: string }) => ({ SubscriptionArn: await topics.confirm(input.TopicArn, input.Token) }),
    Unsubscribe: async (input: { SubscriptionArn: string }) => {
      await topics.unsubscribe(input.SubscriptionArn);
      return {};
    },
    ListSubscriptions: (input: { NextToken?: string }) => page(topics.listSubscriptions(), input.NextToken),
    ListSubscriptionsByTopic: (input: { TopicArn: string; NextToken?: string }) => page(topics.listSubscriptions(input.TopicArn), input.NextToken),
    GetSubscriptionAttributes: (input: { SubscriptionArn: string }) => ({ Attributes: topics.subscriptionAttributes(input.SubscriptionArn) }),
    SetSubscriptionAttributes: async (input: { SubscriptionArn: string; AttributeName: string; AttributeValue?: string }) => {
      await topics.setSubscriptionAttribute(input.SubscriptionArn, input.AttributeName, input.AttributeValue ?? '');
      return {};
    },
  };
}
