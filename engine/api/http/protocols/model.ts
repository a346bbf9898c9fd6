/**
 * The shape of the generated service models (models/<service>.ts, written by generate.mjs from the AWS SDK v3
 * clients' schemas): enough of each Smithy model for the protocols to decode requests and encode responses exactly
 * as the SDKs and the AWS CLI expect (member names, XML names, flattened lists and maps, timestamp formats).
 */

/** A simple type's name, or the name of a shape in `ServiceModel.shapes`. */
export type TypeName = 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document' | (string & {});

/** A reference to a type from a structure member, a list member or a map key/value, with the traits protocols read. */
export interface MemberRef {
  type: TypeName;
  /** XML element name (query protocol) when it differs from the member name. */
  xmlName?: string;
  /** The list or map is flattened in XML and in query keys. */
  flattened?: boolean;
  jsonName?: string;
  timestampFormat?: 'date-time' | 'http-date' | 'epoch-seconds';
  /** REST bindings (Lambda): where the member travels. */
  location?: 'label' | 'query' | 'header' | 'headers' | 'querystring' | 'payload' | 'statusCode';
  locationName?: string;
  idempotencyToken?: boolean;
}

export type Shape =
  | { structure: Record<string, MemberRef>; required?: string[]; union?: boolean }
  | { list: MemberRef; flattened?: boolean }
  | { map: { key: MemberRef; value: MemberRef }; flattened?: boolean };

export interface ModeledError {
  /** The query protocol's `<Code>` (awsQueryError), e.g. `AWS.SimpleQueueService.NonExistentQueue`. */
  code: string;
  status: number;
  fault: 'client' | 'server';
  members: Record<string, MemberRef>;
}

export interface ServiceModel {
  /** The protocol the current SDK client speaks. */
  protocol: 'query' | 'json1.0' | 'json1.1' | 'rest-json';
  /** SigV4 signing name, the service in the credential scope. */
  signingName: string;
  /** API version (`Version=` in the query protocol). */
  version?: string;
  /** awsJson `X-Amz-Target` prefix, e.g. `AmazonSQS`. */
  targetPrefix?: string;
  /** Query protocol XML namespace of responses. */
  xmlNamespace?: string;
  /** SQS: JSON errors also carry `x-amzn-query-error: Code;Fault` for clients that used to speak query. */
  awsQueryCompatible?: boolean;
  /** Smithy namespace (`com.amazonaws.sqs`), for namespaced `__type` values. */
  namespace?: string;
  operations: Record<string, { input?: string; output?: string; http?: { method: string; path: string; status?: number } }>;
  shapes: Record<string, Shape>;
  errors: Record<string, ModeledError>;
}

export const isStructure = (s: Shape | undefined): s is Extract<Shape, { structure: unknown }> => !!s && 'structure' in s;
export const isList = (s: Shape | undefined): s is Extract<Shape, { list: unknown }> => !!s && 'list' in s;
export const isMap = (s: Shape | undefined): s is Extract<Shape, { map: unknown }> => !!s && 'map' in s;
