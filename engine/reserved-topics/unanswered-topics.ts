import { encodeCbor } from '../core/index.js';

/**
 * The reserved request topics of AWS IoT services that Thingbench does not have yet, and AWS's error document for
 * each service's `…/rejected` reply.
 *
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
