/**
 * Lambda's tags on functions: TagResource (`POST /2017-03-31/tags/{ARN}`), UntagResource (`DELETE …?tagKeys=`),
 * ListTags (`GET …`), CreateFunction's `Tags` and GetFunction's `Tags`. Kept beside the function (engine/functions),
 * deleted with it. AWS's rules: 50 tags per function, keys of 1–128 characters, values of at most 256, keys beginning
 * `aws:` reserved; refusals are `InvalidParameterValueException`.
 */
import { EngineError } from '../../../core/index.js';
import { tagProblem, type TagProblem } from '../../../sinks/index.js';
import type { Route } from '../http-server.js';
import { jsonBody, lambdaRoute, type LambdaOperations } from './lambda-shapes.js';

const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_]{1,64}$/;

/** Lambda's refusal of a tagging request. */
export function lambdaTagRefusal(p: TagProblem): EngineError {
  const text = p.reason === 'tooMany' ? `Number of tags exceeds resource tag limit (50): the function would have ${p.count}.`
    : p.reason === 'reserved' ? `Invalid tag key ${p.key}: keys beginning with aws: are reserved for AWS use.`
      : p.reason === 'keyLength' ? `Invalid tag key: a key must be 1 to 128 characters long.`
        : `Invalid value for tag ${p.key}: a value can be at most 256 characters long.`;
  return new EngineError('InvalidInput', text);
}

/** The tags of a request body (`{ "Tags": { k: v } }`), checked against what the function has. */
export function checkedTags(value: unknown, current: Record<string, string> = {}): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new EngineError('InvalidInput', 'Tags must be a map of strings to strings.', { reason: 'validation' });
  }
  const tags = value as Record<string, string>;
  const problem = tagProblem(current, tags);
  if (problem) throw lambdaTagRefusal(problem);
  return tags;
}

export function lambdaTagRoutes(ops: LambdaOperations): Route[] {
  const target = (arn: string) => {
    if (!FUNCTION_ARN.test(arn)) {
      throw new EngineError('InvalidInput', `1 validation error detected: Value '${arn}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?`, { reason: 'validation' });
    }
    const name = ops.resolveName(arn);
    ops.get(name); // ResourceNotFoundException for a function that does not exist
    return name;
  };
  const path = '/2017-03-31/tags/{Resource}';
  return [
    {
      method: 'POST', path, operation: 'TagResource', ...lambdaRoute,
      handler: async (req) => {
        const name = target(req.params.Resource);
        await ops.tag(name, checkedTags(jsonBody(req).Tags, ops.tags(name)));
        return { status: 204 };
      },
    },
    {
      method: 'DELETE', path, operation: 'UntagResource', ...lambdaRoute,
      handler: async (req) => {
        const name = target(req.params.Resource);
        await ops.untag(name, req.query.getAll('tagKeys'));
        return { status: 204 };
      },
    },
    {
      method: 'GET', path, operation: 'ListTags', ...lambdaRoute,
      handler: (req) => ({ json: { Tags: ops.tags(target(req.params.Resource)) } }),
    },
  ];
}
