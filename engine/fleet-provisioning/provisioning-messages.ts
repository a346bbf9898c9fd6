import { decodeCbor, encodeCbor, EngineError } from '../core/index.js';

/**
 * The device provisioning MQTT API's topics and payloads [DG:fleet-provision-api]: requests on
 * `$aws/certificates/create/{format}`, `$aws/certificates/create-from-csr/{format}` and
 * `$aws/provisioning-templates/{templateName}/provision/{format}`, answered on `…/accepted` or `…/rejected` in the
 * request's format (`json`, or `cbor`: RFC 8949).
 */
export type ProvisioningOperation = 'CreateKeysAndCertificate' | 'CreateCertificateFromCsr' | 'RegisterThing';
export type PayloadFormat = 'json' | 'cbor';

export interface ProvisioningRequest {
  operation: ProvisioningOperation;
  format: PayloadFormat;
  /** RegisterThing: the template named by the topic. */
  templateName?: string;
}

/** The request filters the service answers (the broker's tap filters). */
export const REQUEST_FILTERS = [
  '$aws/certificates/create/json', '$aws/certificates/create/cbor',
  '$aws/certificates/create-from-csr/json', '$aws/certificates/create-from-csr/cbor',
  '$aws/provisioning-templates/+/provision/json', '$aws/provisioning-templates/+/provision/cbor',
];

export function requestOf(topic: string): ProvisioningRequest | undefined {
  const levels = topic.split('/');
  const format = levels[levels.length - 1];
  if (format !== 'json' && format !== 'cbor') return undefined;
  if (levels.length === 4 && levels[1] === 'certificates') {
    if (levels[2] === 'create') return { operation: 'CreateKeysAndCertificate', format };
    if (levels[2] === 'create-from-csr') return { operation: 'CreateCertificateFromCsr', format };
  }
  if (levels.length === 5 && levels[1] === 'provisioning-templates' && levels[3] === 'provision') return { operation: 'RegisterThing', format, templateName: levels[2] };
  return undefined;
}

/**
 * A failure as the rejected document says it: `{statusCode, errorCode, errorMessage}`. Thrown by the handlers; any
 * other error becomes a 500 InternalError.
 */
export class ProvisioningRejection extends Error {
  constructor(readonly statusCode: number, readonly errorCode: string, message: string) {
    super(message);
    this.name = 'ProvisioningRejection';
  }
}

export const rejection = {
  payload: (detail: string) => new ProvisioningRejection(400, 'InvalidPayload', `Unable to parse the request payload: ${detail}`),
  emptyToken: () => new ProvisioningRejection(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token cannot be empty.'),
  badToken: () => new ProvisioningRejection(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token is invalid.'),
  expiredToken: () => new ProvisioningRejection(400, 'InvalidCertificateOwnershipToken', 'Certificate ownership token has expired.'),
};

/** The request's document: an object (an empty payload is `{}`), or InvalidPayload. */
export function decodeRequest(payload: Buffer, format: PayloadFormat): Record<string, unknown> {
  if (payload.length === 0) return {};
  let doc: unknown;
  try {
    doc = format === 'cbor' ? decodeCbor(payload) : JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw rejection.payload(e instanceof EngineError ? e.message : format === 'json' ? 'not valid JSON' : 'not valid CBOR');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || Buffer.isBuffer(doc)) throw rejection.payload(`the ${format.toUpperCase()} document is not an object`);
  return doc as Record<string, unknown>;
}

export function encodeReply(body: object, format: PayloadFormat): Buffer {
  return format === 'cbor' ? encodeCbor(body) : Buffer.from(JSON.stringify(body));
}

/** The rejected document of any failure: a {@link ProvisioningRejection} as it says, anything else a 500. */
export function rejectedBody(e: unknown): { statusCode: number; errorCode: string; errorMessage: string } {
  if (e instanceof ProvisioningRejection) return { statusCode: e.statusCode, errorCode: e.errorCode, errorMessage: e.message };
  return { statusCode: 500, errorCode: 'InternalError', errorMessage: 'An internal error occurred' };
}

/** A map of strings (RegisterThing `parameters`, a hook's `parameterOverrides`), or why not. */
export function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v)) throw rejection.payload(`${what} must be an object of string values`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw rejection.payload(`${what}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}
