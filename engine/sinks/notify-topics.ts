/**
 * SNS topics and subscriptions as the SNS API sees them: topic attributes and tags, subscriptions with their
 * attributes, pending confirmations and ARNs. A topic is the `notify` sink of the same name (the one a rule's `sns`
 * action publishes to and the UI shows); what SNS adds lives in the sink's kept state, so it survives restarts.
 * Subscriptions given as `sinks.create` options are listed too (confirmed, with a stable ARN).
 */
import crypto from 'node:crypto';
import { EngineError } from '../core/index.js';
import {
  checkEndpoint, checkSubscriptionAttribute, checkTopicAttribute, defaultDeliveryPolicy, defaultTopicPolicy, invalid, type NotifyProtocol,
} from './notify-attributes.js';
import { parseFilterPolicy, type FilterScope } from './notify-filter.js';
import type { SinkContext, Target } from './sink-context.js';
import { ACCOUNT, REGION } from './sink-options.js';

export interface Subscription {
  id: string;
  protocol: NotifyProtocol;
  endpoint: string;
  attributes: Record<string, string>;
  /** Set while the subscription waits for ConfirmSubscription (http/https). */
  token?: string;
  /** Made from the sink's `subscriptions` option rather than by Subscribe. */
  fromOptions?: boolean;
}

interface TopicState {
  attributes?: Record<string, string>;
  tags?: Record<string, string>;
  subscriptions?: Subscription[];
  deleted?: number;
  sequence?: number;
}

/** What the topics need from the sink service: the `notify` targets. */
export interface NotifyTargets {
  create(name: string): Promise<Target>;
  delete(name: string): Promise<void>;
  list(): Target[];
  find(name: string): Target | undefined;
}

export const topicArnOf = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const SUBSCRIPTION_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}(?:\.fifo)?):([0-9a-f-]{36})$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const FIFO_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/;
const notFound = (what: string, reason = 'NotFound') => new EngineError('NotFound', what, { reason });

export class NotifyTopics {
  constructor(private readonly ctx: SinkContext, private readonly targets: NotifyTargets) {}

  /** CreateTopic: idempotent for the same attributes and tags; refused when they differ (as AWS). */
  async createTopic(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Promise<string> {
    const fifo = attributes.FifoTopic === 'true';
    if (fifo ? !FIFO_NAME.test(name) : !TOPIC_NAME.test(name)) {
      throw invalid(fifo || name.endsWith('.fifo')
        ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
        : 'Topic Name');
    }
    for (const [k, v] of Object.entries(attributes)) checkTopicAttribute(k, v, fifo, true);
    const existing = this.targets.find(name);
    if (existing) {
      const s = state(existing);
      if (Object.entries(attributes).some(([k, v]) => (s.attributes?.[k] ?? (k === 'FifoTopic' ? 'false' : undefined)) !== v)) {
        throw invalid('Attributes Reason: Topic already exists with different attributes');
      }
      if (Object.entries(tags).some(([k, v]) => s.tags?.[k] !== v)) throw invalid('Tags Reason: Topic already exists with different tags');
      return topicArnOf(name);
    }
    const target = await this.targets.create(name);
    const s = state(target);
    s.attributes = { ...(fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {}), ...attributes };
    if (!fifo) delete s.attributes.FifoTopic;
    s.tags = { ...tags };
    await this.save(target);
    return topicArnOf(name);
  }

  async deleteTopic(arn: string): Promise<void> {
    const name = this.topicName(arn);
    // AWS: deleting a topic that does not exist is not an error.
    if (this.targets.find(name)) await this.targets.delete(name);
  }

  listTopics(): string[] {
    return this.targets.list().map((t) => topicArnOf(t.name)).sort();
  }

  /** The topic's name for its ARN; InvalidParameter for a malformed ARN. */
  topicName(arn: string, field = 'TopicArn'): string {
    const m = TOPIC_ARN.exec(arn);
    if (!m) throw invalid(field);
    return m[1];
  }

  /** The topic's target or NotFound (AWS's `Topic does not exist`). */
  topic(arn: string): Target {
    const t = this.targets.find(this.topicName(arn));
    if (!t) throw notFound('Topic does not exist');
    return t;
  }

  isFifo(t: Target): boolean {
    return state(t).attributes?.FifoTopic === 'true';
  }

  topicAttributes(arn: string): Record<string, string> {
    const t = this.topic(arn);
    const s = state(t);
    const subs = this.all(t);
    const topicArn = topicArnOf(t.name);
    return {
      Policy: defaultTopicPolicy(topicArn),
      Owner: ACCOUNT,
      SubscriptionsPending: String(subs.filter((x) => x.token).length),
      TopicArn: topicArn,
      EffectiveDeliveryPolicy: s.attributes?.DeliveryPolicy || defaultDeliveryPolicy,
      SubscriptionsConfirmed: String(subs.filter((x) => !x.token).length),
      DisplayName: '',
      SubscriptionsDeleted: String(s.deleted ?? 0),
      ...s.attributes,
    };
  }

  async setTopicAttribute(arn: string, name: string, value: string): Promise<void> {
    const t = this.topic(arn);
    checkTopicAttribute(name, value, this.isFifo(t), false);
    const s = state(t);
    s.attributes = { ...s.attributes, [name]: value };
    await this.save(t);
  }

  /** Subscribe: an http/https subscription waits for confirmation (its token is returned for the delivery). */
  async subscribe(topicArn: string, protocol: string, endpoint: string | undefined, attributes: Record<string, string> = {}): Promise<{ subscription: Subscription; arn: string; created: boolean }> {
    const t = this.topic(topicArn);
    checkEndpoint(protocol, endpoint);
    const ep = protocol === 'desktop' ? (endpoint ?? '') : endpoint as string;
    const checked: Record<string, string> = {};
    // The scope first: the filter policy is checked against it.
    const keys = Object.keys(attributes).sort((a, b) => Number(b === 'FilterPolicyScope') - Number(a === 'FilterPolicyScope'));
    for (const key of keys) {
      const v = checkSubscriptionAttribute(protocol, key, attributes[key], checked);
      if (v !== null) checked[key] = v;
    }
    const s = state(t);
    const same = this.all(t).find((x) => x.protocol === protocol && x.endpoint === ep);
    if (same) {
      const differs = Object.entries(checked).some(([k, v]) => (same.attributes[k] ?? (k === 'RawMessageDelivery' ? 'false' : undefined)) !== v);
      if (differs) throw invalid('Attributes Reason: Subscription already exists with different attributes');
      return { subscription: same, arn: `${topicArnOf(t.name)}:${same.id}`, created: false };
    }
    const sub: Subscription = {
      id: crypto.randomUUID(), protocol, endpoint: ep, attributes: checked,
      ...(protocol === 'http' || protocol === 'https' ? { token: crypto.randomBytes(64).toString('hex') } : {}),
    };
    s.subscriptions = [...(s.subscriptions ?? []), sub];
    await this.save(t);
    return { subscription: sub, arn: `${topicArnOf(t.name)}:${sub.id}`, created: true };
  }

  /** ConfirmSubscription with the token an endpoint received; returns the subscription's ARN. */
  async confirm(topicArn: string, token: string): Promise<string> {
    const t = this.topic(topicArn);
    const sub = (state(t).subscriptions ?? []).find((x) => x.token === token);
    if (!sub) throw invalid('Token');
    delete sub.token;
    await this.save(t);
    return `${topicArnOf(t.name)}:${sub.id}`;
  }

  async unsubscribe(arn: string): Promise<void> {
    const { target, sub } = this.subscription(arn);
    const s = state(target);
    if (sub.fromOptions) {
      const options = (target.options.subscriptions as unknown as Array<{ protocol: string; endpoint?: string }>) ?? [];
      target.options = { ...target.options, subscriptions: options.filter((o) => !(o.protocol === sub.protocol && (o.endpoint ?? '') === sub.endpoint)) };
    } else {
      s.subscriptions = (s.subscriptions ?? []).filter((x) => x.id !== sub.id);
    }
    s.deleted = (s.deleted ?? 0) + 1;
    await this.save(target, sub.fromOptions);
  }

  /** Subscriptions of one topic (or of all), as ListSubscriptions shows them. */
  listSubscriptions(topicArn?: string): Array<{ SubscriptionArn: string; Owner: string; Protocol: string; Endpoint: string; TopicArn: string }> {
    const targets = topicArn === undefined ? this.targets.list() : [this.topic(topicArn)];
    return targets.flatMap((t) => this.all(t).map((x) => ({
      SubscriptionArn: x.token ? 'PendingConfirmation' : `${topicArnOf(t.name)}:${x.id}`, Owner: ACCOUNT, Protocol: x.protocol, Endpoint: x.endpoint, TopicArn: topicArnOf(t.name),
    })));
  }

  /** One topic's subscriptions with their attributes (the UI's list): pending ones have no ARN yet. */
  describeSubscriptions(topicArn: string): Array<{ arn: string; protocol: string; endpoint: string; attributes: Record<string, string>; pending: boolean; fromOptions: boolean }> {
    const t = this.topic(topicArn);
    return this.all(t).map((x) => ({
      arn: x.token ? 'PendingConfirmation' : `${topicArnOf(t.name)}:${x.id}`, protocol: x.protocol, endpoint: x.endpoint,
      attributes: { ...x.attributes }, pending: x.token !== undefined, fromOptions: x.fromOptions === true,
    }));
  }

  subscriptionAttributes(arn: string): Record<string, string> {
    const { target, sub } = this.subscription(arn);
    return {
      Owner: ACCOUNT,
      RawMessageDelivery: 'false',
      TopicArn: topicArnOf(target.name),
      Endpoint: sub.endpoint,
      Protocol: sub.protocol,
      PendingConfirmation: sub.token ? 'true' : 'false',
      ConfirmationWasAuthenticated: sub.token ? 'false' : 'true',
      SubscriptionArn: `${topicArnOf(target.name)}:${sub.id}`,
      ...(sub.protocol === 'http' || sub.protocol === 'https' ? { EffectiveDeliveryPolicy: sub.attributes.DeliveryPolicy ?? defaultDeliveryPolicy } : {}),
      ...sub.attributes,
    };
  }

  async setSubscriptionAttribute(arn: string, name: string, value: string): Promise<void> {
    const { target, sub } = this.subscription(arn);
    if (sub.fromOptions) throw invalid('SubscriptionArn: this subscription is set by the sink\'s options; Unsubscribe and Subscribe it to set attributes');
    const v = checkSubscriptionAttribute(sub.protocol, name, value, sub.attributes);
    if (v === null) delete sub.attributes[name];
    else sub.attributes[name] = v;
    await this.save(target);
  }

  tags(arn: string): Record<string, string> {
    return { ...state(this.taggable(arn)).tags };
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    const t = this.taggable(arn);
    const s = state(t);
    s.tags = { ...s.tags, ...tags };
    if (Object.keys(s.tags).length > 50) throw new EngineError('InvalidInput', 'Could not complete request: tag quota of per resource exceeded', { reason: 'TagLimitExceeded' });
    await this.save(t);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const t = this.taggable(arn);
    const s = state(t);
    s.tags = Object.fromEntries(Object.entries(s.tags ?? {}).filter(([k]) => !keys.includes(k)));
    await this.save(t);
  }

  /** Confirmed subscriptions with their parsed filter policies: where a publish goes. */
  deliveries(t: Target): Array<{ sub: Subscription; arn: string; policy: ReturnType<typeof parseFilterPolicy>; scope: FilterScope }> {
    return this.all(t).filter((x) => !x.token).map((sub) => {
      const scope = (sub.attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterScope;
      return { sub, arn: `${topicArnOf(t.name)}:${sub.id}`, policy: sub.attributes.FilterPolicy ? parseFilterPolicy(sub.attributes.FilterPolicy, scope) : null, scope };
    });
  }

  /** The next sequence number of a FIFO topic (kept with the topic). */
  async nextSequence(t: Target): Promise<string> {
    const s = state(t);
    s.sequence = (s.sequence ?? 0) + 1;
    await this.save(t);
    return String(s.sequence).padStart(20, '1').slice(-20);
  }

  private taggable(arn: string): Target {
    const m = TOPIC_ARN.exec(arn);
    const t = m ? this.targets.find(m[1]) : undefined;
    if (!t) throw new EngineError('NotFound', 'Resource does not exist', { reason: 'ResourceNotFound' });
    return t;
  }

  private subscription(arn: string): { target: Target; sub: Subscription } {
    const m = SUBSCRIPTION_ARN.exec(arn);
    if (!m) throw invalid('SubscriptionArn');
    const target = this.targets.find(m[1]);
    const sub = target ? this.all(target).find((x) => x.id === m[2]) : undefined;
    if (!target || !sub) throw notFound('Subscription does not exist');
    return { target, sub };
  }

  /** API subscriptions plus those of the sink's options (stable ids from their place and content). */
  private all(t: Target): Subscription[] {
    const fromOptions = ((t.options.subscriptions as unknown as Array<{ protocol: NotifyProtocol; endpoint?: string }>) ?? []).map((o): Subscription => {
      const endpoint = o.endpoint ?? '';
      const h = crypto.createHash('sha1').update(`${t.name}\0${o.protocol}\0${endpoint}`).digest('hex');
      const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
      return { id, protocol: o.protocol, endpoint, attributes: {}, fromOptions: true };
    });
    return [...fromOptions, ...(state(t).subscriptions ?? [])];
  }

  private async save(t: Target, options = false): Promise<void> {
    const statements = [this.ctx.stateStatement(t)];
    if (options) statements.push({ sql: 'UPDATE sink_targets SET options = ? WHERE kind = ? AND name = ?', params: [JSON.stringify(t.options), t.kind, t.name] });
    await this.ctx.store.write(statements);
  }
}

const state = (t: Target) => t.state as unknown as TopicState;
