/**
 * SNS's delivery documents, field for field and in AWS's order: the JSON notification (HTTP/S bodies and SQS
 * messages unless raw), the subscription confirmation, and the SNS event a Lambda function receives
 * [SNS DG: sns-message-and-json-formats, Lambda DG: with-sns].
 *
 * LIMITATIONS: `Signature` is SignatureVersion 1 (SHA1withRSA over AWS's canonical string) made with a key Thingbench
 * generates per engine run, not AWS's: a client that verifies signatures against AWS's certificate will refuse it.
 */
import crypto from 'node:crypto';
import type { NotifyAttribute } from './notify-filter.js';

export interface EnvelopeMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  time: number;
  attributes: Record<string, NotifyAttribute>;
  /** FIFO topics: the sequence number of the message in its group. */
  sequenceNumber?: string;
}

export interface EnvelopeUrls {
  /** The engine's base URL (or AWS's form when the HTTP API is not listening). */
  base: string;
}

let keys: { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } | undefined;
/** One RSA key pair per process, made on first use (SNS signs with a key whose certificate is at SigningCertURL). */
export function signingKeys(): { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject } {
  keys ??= crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keys;
}
const signingKey = () => signingKeys().privateKey;

/** The path of SigningCertURL on the engine's endpoint. */
export const SIGNING_CERT_PATH = '/SimpleNotificationService-thingbench-local.pem';

let last: { canonical: string; signature: Promise<string> } = { canonical: '', signature: Promise.resolve('') };
/**
 * SignatureVersion 1: SHA1withRSA over the named fields, present ones only, as `Name\nvalue\n` in this order. The
 * signing runs on libuv's thread pool, off the event loop (an RSA-2048 signature costs most of a millisecond). The
 * canonical string names no subscription, so a message fanned out to several subscriptions is signed once.
 */
function sign(fields: Array<[string, string | undefined]>): Promise<string> {
  const canonical = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}\n${v}\n`).join('');
  if (canonical !== last.canonical) {
    last = {
      canonical,
      signature: new Promise((resolve, reject) => {
        crypto.sign('sha1', Buffer.from(canonical, 'utf8'), signingKey(), (err, sig) => (err ? reject(err) : resolve(sig.toString('base64'))));
      }),
    };
  }
  return last.signature;
}

export const signingCertUrl = (u: EnvelopeUrls) => `${u.base}${SIGNING_CERT_PATH}`;
export const unsubscribeUrl = (u: EnvelopeUrls, subscriptionArn: string) =>
  `${u.base}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
export const subscribeUrl = (u: EnvelopeUrls, topicArn: string, token: string) =>
  `${u.base}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;

/** SNS's `MessageAttributes` in a notification: `{ name: { Type, Value } }` (binary values base64). */
export function envelopeAttributes(attrs: Record<string, NotifyAttribute>): Record<string, { Type: string; Value: string }> | undefined {
  const names = Object.keys(attrs);
  if (!names.length) return undefined;
  return Object.fromEntries(names.map((n) => [n, { Type: attrs[n].DataType, Value: attrs[n].StringValue ?? attrs[n].BinaryValue ?? '' }]));
}

/** The JSON notification (HTTP/S body, SQS message body) as AWS writes it. */
export async function notificationEnvelope(m: EnvelopeMessage, subscriptionArn: string, urls: EnvelopeUrls): Promise<Record<string, unknown>> {
  const timestamp = new Date(m.time).toISOString();
  const signature = await sign([['Message', m.message], ['MessageId', m.messageId], ['Subject', m.subject], ['Timestamp', timestamp], ['TopicArn', m.topicArn], ['Type', 'Notification']]);
  const attributes = envelopeAttributes(m.attributes);
  return {
    Type: 'Notification',
    MessageId: m.messageId,
    ...(m.sequenceNumber === undefined ? {} : { SequenceNumber: m.sequenceNumber }),
    TopicArn: m.topicArn,
    ...(m.subject === undefined ? {} : { Subject: m.subject }),
    Message: m.message,
    Timestamp: timestamp,
    SignatureVersion: '1',
    Signature: signature,
    SigningCertURL: signingCertUrl(urls),
    UnsubscribeURL: unsubscribeUrl(urls, subscriptionArn),
    ...(attributes ? { MessageAttributes: attributes } : {}),
  };
}

/** The SubscriptionConfirmation an http/https endpoint receives when subscribed. */
export async function confirmationEnvelope(c: { messageId: string; topicArn: string; token: string; time: number }, urls: EnvelopeUrls): Promise<Record<string, unknown>> {
  const timestamp = new Date(c.time).toISOString();
  const message = `You have chosen to subscribe to the topic ${c.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
  const url = subscribeUrl(urls, c.topicArn, c.token);
  const signature = await sign([['Message', message], ['MessageId', c.messageId], ['SubscribeURL', url], ['Timestamp', timestamp], ['Token', c.token], ['TopicArn', c.topicArn], ['Type', 'SubscriptionConfirmation']]);
  return {
    Type: 'SubscriptionConfirmation', MessageId: c.messageId, Token: c.token, TopicArn: c.topicArn, Message: message,
    SubscribeURL: url, Timestamp: timestamp, SignatureVersion: '1', Signature: signature, SigningCertURL: signingCertUrl(urls),
  };
}

/** The event a Lambda function subscribed to a topic receives (one record per message, as SNS sends). */
export async function lambdaEvent(m: EnvelopeMessage, subscriptionArn: string, urls: EnvelopeUrls): Promise<Record<string, unknown>> {
  const n = await notificationEnvelope(m, subscriptionArn, urls);
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: subscriptionArn,
      Sns: {
        Type: 'Notification', MessageId: m.messageId, TopicArn: m.topicArn, Subject: m.subject ?? null, Message: m.message,
        Timestamp: n.Timestamp, SignatureVersion: '1', Signature: n.Signature, SigningCertUrl: n.SigningCertURL, UnsubscribeUrl: n.UnsubscribeURL,
        MessageAttributes: envelopeAttributes(m.attributes) ?? {},
      },
    }],
  };
}

/** The headers SNS sends with every HTTP/S delivery. */
export function deliveryHeaders(type: 'Notification' | 'SubscriptionConfirmation', messageId: string, topicArn: string, subscriptionArn?: string, raw = false): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'user-agent': 'Amazon Simple Notification Service Agent',
    'x-amz-sns-message-type': type,
    'x-amz-sns-message-id': messageId,
    'x-amz-sns-topic-arn': topicArn,
    ...(subscriptionArn ? { 'x-amz-sns-subscription-arn': subscriptionArn } : {}),
    ...(raw ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
  };
}
