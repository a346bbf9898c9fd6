/**
 * Queue URLs and ARNs. The engine hands out `http://HOST:PORT/000000000000/NAME` (the host and port the request
 * came to, so the URL works for the client that asked) and accepts in `QueueUrl` every form AWS returns:
 * `https://sqs.us-east-1.amazonaws.com/000000000000/NAME`, `https://us-east-1.queue.amazonaws.com/…`,
 * `https://queue.amazonaws.com/…`, the engine's own, and the bare path `/000000000000/NAME` (the query protocol
 * posts to the queue's URL).
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../../core/index.js';
import { sqsError } from './sqs-errors.js';

export const ACCOUNT = LOCAL_ACCOUNT_ID;
export const REGION = LOCAL_REGION;

const NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/** The queue URL for a client that reached the engine at `endpoint` (`http://` and the request's Host header). */
export function queueUrl(endpoint: string, name: string): string {
  return `${endpoint}/${ACCOUNT}/${name}`;
}

export const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

/** The queue name in a QueueUrl (any of AWS's forms) or a request path; InvalidAddress / NonExistentQueue otherwise. */
export function queueNameOf(url: string): string {
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      throw sqsError('invalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.length !== 2) throw sqsError('invalidAddress', `The address ${url} is not valid for this endpoint.`);
  const [account, name] = parts.map((p) => safeDecode(p));
  if (!/^\d{12}$/.test(account) || !NAME.test(name)) throw sqsError('invalidAddress', `The address ${url} is not valid for this endpoint.`);
  return name;
}

/** The queue name in an SQS queue ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`), or undefined. */
export function queueNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:sqs:[a-z0-9-]*:\d{12}:([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/.exec(arn);
  return m?.[1];
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
