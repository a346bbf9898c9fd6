import { AwsError } from '../aws-errors.js';
import { awsIotOperations } from './catalogue.js';

const serviceNames = { iot: 'AWS IoT', 'iot-data': 'AWS IoT data plane', 'iot-jobs-data': 'AWS IoT Jobs data plane' } as const;

/**
 * A request for a real AWS operation that Thingbench has no route for yet (CreateJob, CreateBillingGroup, …).
 * AWS's unknown-operation error: `UnknownOperationException`, HTTP 404 (AWS Common Errors), with a message that
 * names the operation, so the AWS CLI and the SDKs print what is missing instead of a "Not Found" that reads like a
 * missing resource. (IoT has been seen answering 400 for an operation it did not know; the documented code is kept.)
 */
export class UnsupportedOperation extends AwsError {
  constructor(readonly service: keyof typeof serviceNames, readonly operation: string, readonly template: string) {
    super(404, 'UnknownOperationException', `${operation} is an ${serviceNames[service]} operation that Thingbench does not support yet`);
  }
}

interface Entry {
  service: keyof typeof serviceNames;
  method: string;
  template: string;
  segments: Array<string | null>; // null: a {label}
  literals: number;
  operation: string;
}

let entries: Entry[] | undefined;

function catalogue(): Entry[] {
  entries ??= awsIotOperations.map(([service, method, template, operation]) => {
    const segments = template.split('/').slice(1).map((s) => (/^\{.+\}$/.test(s) ? null : s));
    return { service, method, template, segments, literals: segments.filter((s) => s !== null).length, operation };
  }).sort((a, b) => b.literals - a.literals); // `/things/{thingName}/jobs/$next` before `/things/{thingName}/jobs/{jobId}`
  return entries;
}

/** The AWS operation that `method` on this raw path (split into segments) would be, if AWS IoT has one. */
export function findAwsOperation(method: string, raw: readonly string[]): UnsupportedOperation | undefined {
  const hit = catalogue().find((e) => e.method === method && e.segments.length === raw.length
    && e.segments.every((s, i) => (s === null ? raw[i] !== '' : decodeSegment(raw[i]) === s)));
  return hit && new UnsupportedOperation(hit.service, hit.operation, `${hit.method} ${hit.template}`);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
