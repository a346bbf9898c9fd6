import { encodeCbor, decodeCbor } from '../core/index.js';

/**
 * The reserved request topics of AWS IoT services that Thingbench does not have yet, and AWS's error document for
 * each service's `…/rejected` reply. Jobs (engine/jobs), fleet provisioning (engine/fleet-provisioning), file
 * streams and commands answer their own topics; a service added here leaves when Thingbench has it.
 *
 * - Device Defender device-side metrics [DG:reserved-topics, DD:detect-device-side-metrics]:
 *   `$aws/things/{thing}/defender/metrics/{json|cbor}`; rejected:
 *   `{"thingName","reportId","status":"REJECTED","statusDetails":{"ErrorCode","ErrorMessage"},"timestamp"}`, in CBOR on
 *   the `cbor` topic. AWS's codes name what is wrong with a report (Malformed, InvalidPayload, Throttled,
 *   MissingHeader); none says "not evaluated", so the reply uses InvalidPayload and its message says why.
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
    service: 'AWS IoT Device Defender',
    filters: ['$aws/things/+/defender/metrics/json', '$aws/things/+/defender/metrics/cbor'],
    rejected: (request, topic, message, nowMs) => {
      const cbor = topic.endsWith('/cbor');
      const reportId = reportIdOf(request, cbor);
      const body = {
        thingName: topic.split('/')[2], ...(reportId !== undefined ? { reportId } : {}), status: 'REJECTED',
        statusDetails: { ErrorCode: 'InvalidPayload', ErrorMessage: message }, timestamp: nowMs,
      };
      return cbor ? encodeCbor(body) : Buffer.from(JSON.stringify(body));
    },
  },
];

/** The report's `header.report_id` (long names) or `hed.rid` (short names), echoed by AWS. */
function reportIdOf(payload: Buffer, cbor: boolean): number | undefined {
  try {
    const doc = (cbor ? decodeCbor(payload) : JSON.parse(payload.toString('utf8'))) as Record<string, Record<string, unknown> | undefined> | null;
    const id = doc?.header?.report_id ?? doc?.hed?.rid;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
