/** SNS's topic and subscription attributes: names, checks (with AWS's messages) and defaults [SNS API: SetTopicAttributes]. */
import { EngineError } from '../core/index.js';
import { parseFilterPolicy, type FilterScope } from './notify-filter.js';
import { ACCOUNT } from './sink-options.js';

export const invalid = (what: string) => new EngineError('InvalidInput', `Invalid parameter: ${what}`, { reason: 'InvalidParameter' });

const feedback = /^(Application|HTTP|Firehose|Lambda|SQS)(Success|Failure)FeedbackRoleArn$|^(Application|HTTP|Firehose|Lambda|SQS)SuccessFeedbackSampleRate$/;
const topicSettable = new Set(['DisplayName', 'Policy', 'DeliveryPolicy', 'KmsMasterKeyId', 'SignatureVersion', 'TracingConfig',
  'ContentBasedDeduplication', 'ArchivePolicy', 'FifoThroughputScope']);

const isJsonObject = (text: string) => {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

/** Checks one topic attribute (`creating`: FifoTopic may be given only at creation). */
export function checkTopicAttribute(name: string, value: string, fifo: boolean, creating: boolean): void {
  if (name === 'FifoTopic') {
    if (!creating) throw invalid('AttributeName');
    if (value !== 'true' && value !== 'false') throw invalid('Attributes Reason: FifoTopic must be true or false');
    return;
  }
  if (!topicSettable.has(name) && !feedback.test(name)) throw invalid('AttributeName');
  if ((name === 'Policy' || name === 'DeliveryPolicy' || name === 'ArchivePolicy') && value !== '' && !isJsonObject(value)) {
    throw invalid(`Attributes Reason: ${name}: failed to parse JSON`);
  }
  if (name === 'DisplayName' && value.length > 100) throw invalid('Attributes Reason: DisplayName must be at most 100 characters');
  if (name === 'SignatureVersion' && value !== '1' && value !== '2') throw invalid('Attributes Reason: SignatureVersion must be 1 or 2');
  if (name === 'ContentBasedDeduplication') {
    if (!fifo) throw invalid('Attributes Reason: Content-based deduplication can only be set for FIFO topics');
    if (value !== 'true' && value !== 'false') throw invalid('Attributes Reason: ContentBasedDeduplication must be true or false');
  }
}

export const defaultTopicPolicy = (topicArn: string) => JSON.stringify({
  Version: '2008-10-17',
  Id: '__default_policy_ID',
  Statement: [{
    Sid: '__default_statement_ID',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic',
      'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
    Resource: topicArn,
    Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } },
  }],
});

export const defaultDeliveryPolicy = JSON.stringify({
  http: {
    defaultHealthyRetryPolicy: { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numMaxDelayRetries: 0, numNoDelayRetries: 0, numMinDelayRetries: 0, backoffFunction: 'linear' },
    disableSubscriptionOverrides: false,
    defaultRequestPolicy: { headerContentType: 'text/plain; charset=UTF-8' },
  },
});

/** Protocols and what their endpoint must look like. */
export const protocols = ['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose', 'mqtt', 'desktop'] as const;
export type NotifyProtocol = (typeof protocols)[number];

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}(:[A-Za-z0-9$_-]+)?$/;

/** Checks Subscribe's Protocol and Endpoint with AWS's messages. */
export function checkEndpoint(protocol: string, endpoint: string | undefined): asserts protocol is NotifyProtocol {
  if (!(protocols as readonly string[]).includes(protocol)) throw invalid(`Amazon SNS does not support this protocol string: ${protocol}`);
  if (protocol === 'desktop') return;
  if (endpoint === undefined || endpoint === '') throw invalid('Endpoint');
  switch (protocol as NotifyProtocol) {
    case 'http': case 'https': {
      let url: URL | undefined;
      try {
        url = new URL(endpoint);
      } catch {
        url = undefined;
      }
      if (!url || url.protocol !== `${protocol}:`) throw invalid('Endpoint must match the specified protocol');
      return;
    }
    case 'sqs': if (!SQS_ARN.test(endpoint)) throw invalid('SQS endpoint ARN'); return;
    case 'lambda': if (!LAMBDA_ARN.test(endpoint)) throw invalid('Lambda endpoint ARN'); return;
    case 'email': case 'email-json': if (!/^[^@\s]+@[^@\s]+$/.test(endpoint)) throw invalid('Email address'); return;
    case 'sms': if (!/^\+?[0-9][0-9 ()-]{3,}$/.test(endpoint)) throw invalid(`Invalid SMS endpoint: ${endpoint}`); return;
    case 'mqtt': if (/[#+]/.test(endpoint)) throw invalid('Endpoint: an mqtt endpoint is a topic without wildcards'); return;
    default: return;
  }
}

const subscriptionSettable = new Set(['DeliveryPolicy', 'FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'SubscriptionRoleArn', 'ReplayPolicy']);
const rawProtocols = new Set(['sqs', 'http', 'https', 'firehose']);

/**
 * Checks one subscription attribute against the others already set (`current`); returns the value to keep
 * (an empty FilterPolicy clears it: null).
 */
export function checkSubscriptionAttribute(protocol: string, name: string, value: string, current: Record<string, string>): string | null {
  if (!subscriptionSettable.has(name)) throw invalid('AttributeName');
  switch (name) {
    case 'RawMessageDelivery':
      if (value !== 'true' && value !== 'false') throw invalid('Attributes Reason: RawMessageDelivery: Invalid value [' + value + ']. Must be true or false.');
      if (value === 'true' && !rawProtocols.has(protocol)) throw invalid(`Attributes Reason: Delivery protocol [${protocol}] does not support raw message delivery.`);
      return value;
    case 'FilterPolicyScope':
      if (value !== 'MessageAttributes' && value !== 'MessageBody') throw invalid('Attributes Reason: FilterPolicyScope: Invalid value [' + value + ']. Please use either MessageBody or MessageAttributes');
      if (current.FilterPolicy) parseFilterPolicy(current.FilterPolicy, value);
      return value;
    case 'FilterPolicy':
      return parseFilterPolicy(value, (current.FilterPolicyScope ?? 'MessageAttributes') as FilterScope) ? value : null;
    case 'RedrivePolicy': case 'DeliveryPolicy': case 'ReplayPolicy':
      if (value !== '' && !isJsonObject(value)) throw invalid(`${name}: failed to parse JSON`);
      if (name === 'RedrivePolicy' && value !== '') {
        const target = (JSON.parse(value) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
        if (typeof target !== 'string' || !SQS_ARN.test(target)) throw invalid('RedrivePolicy: deadLetterTargetArn must be an SQS queue ARN');
      }
      return value === '' ? null : value;
    default:
      return value;
  }
}
