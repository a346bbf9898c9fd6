/**
 * DynamoDB's tags on tables: TagResource, UntagResource and ListTagsOfResource by the table's ARN, and CreateTable's
 * `Tags`. Kept by the sinks (engine/sinks/sink-tags.ts), deleted with the table. AWS's rules: 50 tags per table,
 * keys of 1–128 characters and values of at most 256 (the model's constraints), keys beginning `aws:` reserved.
 */
import type { SinkTags, TagProblem } from '../../../sinks/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { serviceError } from '../protocols/index.js';

export type DynamoTagsPort = Pick<SinkTags, 'get' | 'tag' | 'untag'>;
interface TagInput { Key: string; Value: string }

const TABLE_ARN = new RegExp(`^arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/([a-zA-Z0-9_.-]{3,255})$`);

/** DynamoDB's refusal of a tagging request. */
export function dynamoTagRefusal(p: TagProblem): Error {
  if (p.reason === 'tooMany') return serviceError('LimitExceededException', `The number of tags for the resource exceeds the limit of 50 (${p.count})`);
  if (p.reason === 'reserved') return serviceError('ValidationException', `One or more parameter values were invalid: Tag keys beginning with 'aws:' are reserved for AWS use: ${p.key}`);
  if (p.reason === 'keyLength') return serviceError('ValidationException', `1 validation error detected: Value '${p.key}' at 'tags.member.key' failed to satisfy constraint: Member must have length less than or equal to 128`);
  return serviceError('ValidationException', `1 validation error detected: Value '${p.value}' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`);
}

export const asTagMap = (tags: TagInput[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value ?? '']));

/** The table a ResourceArn names, existing (`exists`), or DynamoDB's refusal. */
function tableOf(arn: string, exists: (name: string) => boolean): string {
  const m = TABLE_ARN.exec(arn ?? '');
  if (!m) throw serviceError('ValidationException', `Invalid TableArn: Invalid ResourceArn provided as input ${arn}`);
  if (!exists(m[1])) throw serviceError('ResourceNotFoundException', `Requested resource not found: ResourcArn: ${arn} not found`);
  return m[1];
}

export function dynamoTagOperations(tags: DynamoTagsPort, exists: (table: string) => boolean) {
  return {
    TagResource: async (input: { ResourceArn: string; Tags: TagInput[] }) => {
      await tags.tag('table', tableOf(input.ResourceArn, exists), asTagMap(input.Tags), dynamoTagRefusal);
      return {};
    },
    UntagResource: async (input: { ResourceArn: string; TagKeys: string[] }) => {
      await tags.untag('table', tableOf(input.ResourceArn, exists), input.TagKeys ?? []);
      return {};
    },
    // Fifty tags at most: one page, no NextToken.
    ListTagsOfResource: (input: { ResourceArn: string; NextToken?: string }) => ({
      Tags: Object.entries(tags.get('table', tableOf(input.ResourceArn, exists))).map(([Key, Value]) => ({ Key, Value })),
    }),
  };
}
