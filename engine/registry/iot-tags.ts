/**
 * Tags of AWS IoT resources, by ARN (thing groups and thing types; AWS gives things none): what CreateThingGroup's and
 * CreateThingType's `tags` and TagResource set, ListTagsForResource reads and UntagResource removes. A resource's tags
 * are deleted with it. AWS's rules: 50 tags per resource, keys of 1–128 characters, values of at most 256, keys
 * beginning `aws:` reserved.
 */
import { EngineError } from '../core/index.js';
import type { Store } from '../storage/index.js';

export type Tags = Record<string, string>;

/** The refusal of a tagging request, or undefined (`current`: the resource's tags now). */
export function iotTagRefusal(current: Tags, added: Tags): EngineError | undefined {
  for (const [key, value] of Object.entries(added)) {
    if (key.length < 1 || key.length > 128) return new EngineError('InvalidInput', `1 validation error detected: Value '${key}' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`);
    if (value.length > 256) return new EngineError('InvalidInput', `1 validation error detected: Value '${value}' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`);
    if (key.toLowerCase().startsWith('aws:')) return new EngineError('InvalidInput', `Tag keys beginning with aws: are reserved for AWS use: ${key}`);
  }
  const count = Object.keys({ ...current, ...added }).length;
  if (count > 50) return new EngineError('InvalidInput', `The resource would have ${count} tags: a resource can have at most 50.`, { reason: 'limitExceeded' });
  return undefined;
}

export class IotTags {
  constructor(private readonly store: Store) {}

  get(arn: string): Tags {
    return Object.fromEntries(this.store.all<{ key: string; value: string }>('SELECT key, value FROM iot_tags WHERE arn = ? ORDER BY key', [arn]).map((r) => [r.key, r.value]));
  }

  /** Adds or overwrites tags, refused whole when one breaks AWS's rules. */
  async tag(arn: string, tags: Tags): Promise<void> {
    const refusal = iotTagRefusal(this.get(arn), tags);
    if (refusal) throw refusal;
    const entries = Object.entries(tags);
    if (!entries.length) return;
    await this.store.write(entries.map(([key, value]) => ({ sql: 'INSERT OR REPLACE INTO iot_tags (arn, key, value) VALUES (?, ?, ?)', params: [arn, key, value] })));
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    if (!keys.length) return;
    await this.store.write(keys.map((key) => ({ sql: 'DELETE FROM iot_tags WHERE arn = ? AND key = ?', params: [arn, key] })));
  }

  /** Deletes every tag of the resource (it is gone). */
  async forget(arn: string): Promise<void> {
    await this.store.write([{ sql: 'DELETE FROM iot_tags WHERE arn = ?', params: [arn] }]);
  }
}
