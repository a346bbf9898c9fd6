/**
 * CloudWatch's tags on alarms: TagResource, UntagResource and ListTagsForResource by the alarm's ARN, and
 * PutMetricAlarm's `Tags` when it creates the alarm (AWS ignores them when it updates one). Kept by the sinks
 * (engine/sinks/sink-tags.ts), deleted with the alarm. AWS's rules: 50 tags, keys of 1–128 characters, values of at
 * most 256, keys beginning `aws:` reserved (InvalidParameterValueException).
 */
import type { SinkTags, TagProblem } from '../../../sinks/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { serviceError, type OperationHandler } from '../protocols/index.js';

export type AlarmTagsPort = Pick<SinkTags, 'get' | 'tag' | 'untag'>;
interface TagInput { Key: string; Value: string }

const ALARM_ARN = new RegExp(`^arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:alarm:(.{1,255})$`);

export const asTagMap = (tags: TagInput[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value ?? '']));

/** CloudWatch's refusal of a tagging request. */
export function alarmTagRefusal(p: TagProblem): Error {
  const text = p.reason === 'tooMany' ? `The resource would have ${p.count} tags: a resource can have at most 50.`
    : p.reason === 'reserved' ? `The tag key ${p.key} is invalid: keys beginning with aws: are reserved for AWS use.`
      : p.reason === 'keyLength' ? 'The value for parameter Tags.member.Key must have 1 to 128 characters.'
        : `The value for parameter Tags.member.Value must have at most 256 characters (tag ${p.key}).`;
  return serviceError('InvalidParameterValueException', text);
}

export function alarmTagOperations(tags: AlarmTagsPort, exists: (alarm: string) => boolean): Record<string, OperationHandler> {
  const alarmOf = (arn: string) => {
    const m = ALARM_ARN.exec(arn ?? '');
    if (!m) throw serviceError('InvalidParameterValueException', `The value ${arn} for parameter ResourceARN is invalid.`);
    if (!exists(m[1])) throw serviceError('ResourceNotFoundException', `Alarm ${m[1]} does not exist.`);
    return m[1];
  };
  return {
    TagResource: async (input: { ResourceARN: string; Tags: TagInput[] }) => {
      await tags.tag('alarm', alarmOf(input.ResourceARN), asTagMap(input.Tags), alarmTagRefusal);
      return {};
    },
    UntagResource: async (input: { ResourceARN: string; TagKeys: string[] }) => {
      await tags.untag('alarm', alarmOf(input.ResourceARN), input.TagKeys ?? []);
      return {};
    },
    ListTagsForResource: (input: { ResourceARN: string }) => ({
      Tags: Object.entries(tags.get('alarm', alarmOf(input.ResourceARN))).map(([Key, Value]) => ({ Key, Value })),
    }),
  };
}
