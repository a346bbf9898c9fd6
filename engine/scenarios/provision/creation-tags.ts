/**
 * Tags a run puts on what it creates, where the AWS API takes tags at creation (a lab's `thingbench:lab` and
 * `thingbench:attendee`, so its resources can be found and billed on AWS). Each API spells them its own way: a list of
 * `{Key, Value}` (SNS, DynamoDB, Firehose, IAM, CloudWatch, AWS IoT), a map (SQS `tags`, Kinesis, Lambda, CloudWatch
 * Logs `tags`), or, for CreateTopicRule, one string `k1=v1&k2=v2`. Tags the request already has win over the run's.
 * S3 CreateBucket takes none.
 */
export type Tags = Record<string, string>;

type Shape = 'list' | 'map' | 'query';

/** `<service> <operation>` → the request member that holds its tags, and how it spells them. */
const CREATION_TAGS: Record<string, { member: string; shape: Shape }> = {
  'sns CreateTopic': { member: 'Tags', shape: 'list' },
  'sqs CreateQueue': { member: 'tags', shape: 'map' },
  'dynamodb CreateTable': { member: 'Tags', shape: 'list' },
  'kinesis CreateStream': { member: 'Tags', shape: 'map' },
  'firehose CreateDeliveryStream': { member: 'Tags', shape: 'list' },
  'lambda CreateFunction': { member: 'Tags', shape: 'map' },
  'logs CreateLogGroup': { member: 'tags', shape: 'map' },
  'iam CreateRole': { member: 'Tags', shape: 'list' },
  'iam CreatePolicy': { member: 'Tags', shape: 'list' },
  'cloudwatch PutMetricAlarm': { member: 'Tags', shape: 'list' },
  'iot CreatePolicy': { member: 'tags', shape: 'list' },
  'iot CreateThingGroup': { member: 'tags', shape: 'list' },
  'iot CreateThingType': { member: 'tags', shape: 'list' },
  'iot CreateRoleAlias': { member: 'tags', shape: 'list' },
  'iot CreateTopicRule': { member: 'tags', shape: 'query' },
};

export const tagList = (tags: Tags): Array<{ Key: string; Value: string }> => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** `k1=v1&k2=v2`, as CreateTopicRule's `tags` takes them. */
export const tagQuery = (tags: Tags): string => new URLSearchParams(tags).toString();

function asMap(value: unknown, shape: Shape): Tags {
  if (shape === 'query' && typeof value === 'string') return Object.fromEntries(new URLSearchParams(value));
  if (shape === 'list' && Array.isArray(value)) {
    return Object.fromEntries(value.filter((t): t is { Key: string; Value?: string } => typeof t?.Key === 'string').map((t) => [t.Key, t.Value ?? '']));
  }
  if (shape === 'map' && value && typeof value === 'object' && !Array.isArray(value)) return value as Tags;
  return {};
}

/** The request with the run's tags added, when `<service> <operation>` takes tags at creation; else as it is. */
export function withCreationTags(service: string, operation: string, input: unknown, tags: Tags | undefined): unknown {
  const how = CREATION_TAGS[`${service} ${operation}`];
  if (!how || !tags || !Object.keys(tags).length || !input || typeof input !== 'object' || Array.isArray(input)) return input;
  const request = input as Record<string, unknown>;
  const merged = { ...tags, ...asMap(request[how.member], how.shape) };
  const value = how.shape === 'list' ? tagList(merged) : how.shape === 'query' ? tagQuery(merged) : merged;
  return { ...request, [how.member]: value };
}

/** The operations that take tags at creation, as `<service> <operation>` (for the README and tests). */
export const TAGGED_AT_CREATION: readonly string[] = Object.keys(CREATION_TAGS);
