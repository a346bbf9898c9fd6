/** CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue, ListDeadLetterSourceQueues, Get/SetQueueAttributes. */
import { EngineError } from '../../../core/index.js';
import type { JsonObject } from '../../../contract/index.js';
import { attributesOf, attributeOfOption, optionsFromAttributes } from './queue-attributes.js';
import { queueUrl } from './queue-url.js';
import { missing, page, queueOf, stringList, stringMap, stringParam, type SqsBackend, type SqsRequestContext } from './sqs-backend.js';
import { sqsError } from './sqs-errors.js';

type Input = Record<string, unknown>;
const NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export async function createQueue(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = stringParam(input, 'QueueName', true);
  if (!NAME.test(name) || (name.endsWith('.fifo') && name.length > 80)) {
    throw sqsError('invalidParameter', name.endsWith('.fifo')
      ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
      : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
  const fifo = name.endsWith('.fifo');
  const given = optionsFromAttributes(stringMap(input, 'Attributes'), fifo, true);
  const options: JsonObject = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null));
  const tags = stringMap(input, 'tags') ?? stringMap(input, 'Tags');
  if (b.queues.has(name)) {
    const existing = b.list('queue').find((q) => q.name === name)!.options;
    for (const [key, value] of Object.entries(options)) {
      if (JSON.stringify(existing[key]) !== JSON.stringify(value)) {
        throw sqsError('nameExists', `A queue already exists with the same name and a different value for attribute ${attributeOfOption(key)}`);
      }
    }
    return { QueueUrl: queueUrl(ctx.endpoint, name) };
  }
  b.queues.checkRedrive(name, options);
  await b.create('queue', name, options);
  if (tags && Object.keys(tags).length) await b.queues.retag(name, tags);
  return { QueueUrl: queueUrl(ctx.endpoint, name) };
}

export async function getQueueUrl(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = stringParam(input, 'QueueName', true);
  if (!b.queues.has(name)) throw new EngineError('NotFound', 'The specified queue does not exist.');
  return { QueueUrl: queueUrl(ctx.endpoint, name) };
}

export async function listQueues(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const prefix = stringParam(input, 'QueueNamePrefix') ?? '';
  const names = b.list('queue').map((q) => q.name).filter((n) => n.startsWith(prefix)).sort();
  const { names: shown, next } = page(names, input);
  return { ...(shown.length ? { QueueUrls: shown.map((n) => queueUrl(ctx.endpoint, n)) } : {}), ...(next ? { NextToken: next } : {}) };
}

export async function deleteQueue(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  await b.delete('queue', queueOf(b, input, ctx));
  return {};
}

export async function purgeQueue(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  await b.queues.purge(queueOf(b, input, ctx));
  return {};
}

export async function listDeadLetterSourceQueues(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const dlq = queueOf(b, input, ctx);
  const names = b.list('queue').filter((q) => q.options.deadLetterQueue === dlq).map((q) => q.name).sort();
  const { names: shown, next } = page(names, input);
  return { queueUrls: shown.map((n) => queueUrl(ctx.endpoint, n)), ...(next ? { NextToken: next } : {}) };
}

export async function getQueueAttributes(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = queueOf(b, input, ctx);
  const options = b.list('queue').find((q) => q.name === name)!.options;
  const attributes = attributesOf(name, options, b.queues.stats(name), stringList(input, 'AttributeNames'));
  return Object.keys(attributes).length ? { Attributes: attributes } : {};
}

export async function setQueueAttributes(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = queueOf(b, input, ctx);
  const attrs = stringMap(input, 'Attributes');
  if (attrs === undefined) throw missing('Attributes');
  await b.queues.configure(name, optionsFromAttributes(attrs, name.endsWith('.fifo'), false));
  return {};
}

export async function tagQueue(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = queueOf(b, input, ctx);
  const tags = stringMap(input, 'Tags');
  if (tags === undefined) throw missing('Tags');
  if (Object.keys({ ...b.queues.tags(name), ...tags }).length > 50) throw sqsError('invalidParameter', 'Too many tags added for queue ' + name + '.');
  await b.queues.retag(name, tags);
  return {};
}

export async function untagQueue(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const name = queueOf(b, input, ctx);
  const keys = stringList(input, 'TagKeys');
  if (keys === undefined) throw missing('TagKeys');
  await b.queues.retag(name, {}, keys);
  return {};
}

export async function listQueueTags(b: SqsBackend, input: Input, ctx: SqsRequestContext) {
  const tags = b.queues.tags(queueOf(b, input, ctx));
  return Object.keys(tags).length ? { Tags: tags } : {};
}

