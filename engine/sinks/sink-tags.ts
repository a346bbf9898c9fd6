/**
 * Tags the engine keeps on DynamoDB tables, Kinesis streams and Firehose delivery streams (the sinks whose AWS APIs
 * serve tags), in the sink's kept state: they survive restarts and go with the resource when it is deleted.
 * The limits are AWS's common tagging rules: at most 50 tags per resource, keys of 1–128 characters, values of at
 * most 256, and keys beginning `aws:` reserved. Each check names the problem (`TagProblem`) and the service edge turns
 * it into its own exception and message.
 */
import { EngineError } from '../core/index.js';
import type { SinkKind } from '../contract/index.js';
import type { SinkContext } from './sink-context.js';

export type Tags = Record<string, string>;

export const MAX_TAGS = 50;
export const MAX_KEY = 128;
export const MAX_VALUE = 256;

/** What is wrong with a tagging request; `reason` lets an edge choose its exception. */
export type TagProblem =
  | { reason: 'tooMany'; count: number }
  | { reason: 'reserved'; key: string }
  | { reason: 'keyLength'; key: string }
  | { reason: 'valueLength'; key: string; value: string };

/** The first problem of adding `added` to `current`, or undefined. */
export function tagProblem(current: Tags, added: Tags): TagProblem | undefined {
  for (const [key, value] of Object.entries(added)) {
    if (key.length < 1 || key.length > MAX_KEY) return { reason: 'keyLength', key };
    if (value.length > MAX_VALUE) return { reason: 'valueLength', key, value };
    if (key.toLowerCase().startsWith('aws:')) return { reason: 'reserved', key };
  }
  const count = Object.keys({ ...current, ...added }).length;
  if (count > MAX_TAGS) return { reason: 'tooMany', count };
  return undefined;
}

/** The tags of one sink, kept in its state. */
export class SinkTags {
  constructor(private readonly ctx: Pick<SinkContext, 'target' | 'stateStatement' | 'store'>) {}

  /** The resource's tags (NotFound when the sink does not exist). */
  get(kind: SinkKind, name: string): Tags {
    return { ...((this.ctx.target(kind, name).state.tags as Tags | undefined) ?? {}) };
  }

  /**
   * Adds or overwrites tags. `refuse` turns a problem into the service's error (thrown before anything changes);
   * without one, a problem is an InvalidInput with a plain sentence.
   */
  async tag(kind: SinkKind, name: string, tags: Tags, refuse: (p: TagProblem) => Error = plainRefusal): Promise<void> {
    const target = this.ctx.target(kind, name);
    const current = this.get(kind, name);
    const problem = tagProblem(current, tags);
    if (problem) throw refuse(problem);
    if (!Object.keys(tags).length) return;
    target.state = { ...target.state, tags: { ...current, ...tags } };
    await this.ctx.store.write([this.ctx.stateStatement(target)]);
  }

  /** Removes the keys (a key the resource does not have is ignored, as AWS does). */
  async untag(kind: SinkKind, name: string, keys: string[]): Promise<void> {
    const target = this.ctx.target(kind, name);
    const tags = this.get(kind, name);
    if (!keys.some((k) => k in tags)) return;
    for (const k of keys) delete tags[k];
    target.state = { ...target.state, tags };
    await this.ctx.store.write([this.ctx.stateStatement(target)]);
  }
}

function plainRefusal(p: TagProblem): Error {
  const text = p.reason === 'tooMany' ? `a resource can have at most ${MAX_TAGS} tags (this would make ${p.count})`
    : p.reason === 'reserved' ? `the tag key ${p.key} begins with aws:, which is reserved for AWS`
      : p.reason === 'keyLength' ? `a tag key must be 1 to ${MAX_KEY} characters long`
        : `the value of the tag ${p.key} is longer than ${MAX_VALUE} characters`;
  return new EngineError('InvalidInput', text);
}
