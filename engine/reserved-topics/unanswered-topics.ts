import type { JsonValue } from '../contract/index.js';
import { encodeCbor } from '../core/index.js';

/**
 * The reserved request topics of AWS IoT services that Thingbench does not have yet, and AWS's error document for
 * each service's `…/rejected` reply.
 *
 * - Jobs device API [DG:jobs-mqtt-api]: `$aws/things/{thing}/jobs/get`, `…/jobs/start-next`, `…/jobs/{jobId}/get`,
 *   `…/jobs/{jobId}/update`; rejected: `{"code","message","clientToken","timestamp"}` (timestamp in epoch seconds).
 * - Fleet provisioning [DG:fleet-provision-api]: `$aws/certificates/create/{json|cbor}`,
 *   `$aws/certificates/create-from-csr/{json|cbor}`, `$aws/provisioning-templates/{name}/provision/{json|cbor}`;
 *   rejected: `{"statusCode","errorCode","errorMessage"}`, in CBOR on the `cbor` topics.
 */
export interface UnansweredArea {
  /** What the explanation calls the service. */
  service: string;
  filters: string[];
  /** The rejected reply's payload. */
  rejected(request: Buffer, topic: string, message: string, nowMs: number): Buffer;
}

export const unansweredAreas: UnansweredArea[] = [
  {
    service: 'AWS IoT Jobs',
    filters: ['$aws/things/+/jobs/get', '$aws/things/+/jobs/start-next', '$aws/things/+/jobs/+/get', '$aws/things/+/jobs/+/update'],
    rejected: (request, _topic, message, nowMs) => {
      const clientToken = clientTokenOf(request);
      return Buffer.from(JSON.stringify({
        code: 'InvalidRequest', message, ...(clientToken !== undefined ? { clientToken } : {}), timestamp: Math.floor(nowMs / 1000),
      }));
    },
  },
  {
    service: 'fleet provisioning',
    filters: [
      '$aws/certificates/create/json', '$aws/certificates/create/cbor',
      '$aws/certificates/create-from-csr/json', '$aws/certificates/create-from-csr/cbor',
      '$aws/provisioning-templates/+/provision/json', '$aws/provisioning-templates/+/provision/cbor',
    ],
    rejected: (_request, topic, message) => {
      const body = { statusCode: 400, errorCode: 'InvalidRequest', errorMessage: message };
      return topic.endsWith('/cbor') ? encodeCbor(body) : Buffer.from(JSON.stringify(body));
    },
  },
];

/** The request's `clientToken` (echoed by AWS), if the payload is a JSON object with a string one. */
function clientTokenOf(payload: Buffer): string | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as JsonValue;
    const token = doc && typeof doc === 'object' && !Array.isArray(doc) ? doc.clientToken : undefined;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}
