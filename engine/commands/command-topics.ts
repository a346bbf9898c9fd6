/**
 * The commands' reserved topics [DG:iot-remote-command-create-manage, DG:reserved-topics]:
 * - request (the service publishes): `$aws/commands/{things|clients}/{id}/executions/{executionId}/request/{json|cbor}`
 *   for `application/json` and `application/cbor` payloads, `…/request` (no format) for any other content type;
 * - response (the device publishes, UpdateCommandExecution): `…/executions/{executionId}/response/{json|cbor}`;
 * - replies: `…/response/accepted/{format}` `{"executionId"}` and `…/response/rejected/{format}`
 *   `{"error","errorMessage","executionId"}`;
 * - events: `$aws/events/commandExecution/{commandId}/{status}` [DG:command-events].
 */
import { decodeCbor, encodeCbor } from '../core/index.js';

export type DeviceType = 'things' | 'clients';
export type PayloadFormat = 'json' | 'cbor';

/** The request topic's format segment for a payload content type (none for other types). */
export function formatOfContentType(contentType: string | undefined): PayloadFormat | undefined {
  const t = contentType?.split(';')[0].trim().toLowerCase();
  return t === 'application/json' ? 'json' : t === 'application/cbor' ? 'cbor' : undefined;
}

export const executionTopic = (type: DeviceType, id: string, executionId: string) => `$aws/commands/${type}/${id}/executions/${executionId}`;

export function requestTopic(type: DeviceType, id: string, executionId: string, format: PayloadFormat | undefined): string {
  return `${executionTopic(type, id, executionId)}/request${format ? `/${format}` : ''}`;
}

/** The filters the service taps for device responses. */
export const RESPONSE_FILTERS = ['$aws/commands/things/+/executions/+/response/+', '$aws/commands/clients/+/executions/+/response/+'];

export interface ResponseTopic {
  deviceType: DeviceType;
  deviceId: string;
  executionId: string;
  format: string;
}

export function parseResponseTopic(topic: string): ResponseTopic | undefined {
  const p = topic.split('/');
  if (p.length !== 8 || p[0] !== '$aws' || p[1] !== 'commands' || (p[2] !== 'things' && p[2] !== 'clients') || p[4] !== 'executions' || p[6] !== 'response') return undefined;
  return { deviceType: p[2], deviceId: p[3], executionId: p[5], format: p[7] };
}

/** A reply or request document in the topic's format. */
export function encodeDocument(format: string, doc: unknown): Buffer {
  return format === 'cbor' ? encodeCbor(doc) : Buffer.from(JSON.stringify(doc));
}

/** A device's document in the topic's format; throws when it is not one. */
export function decodeDocument(format: string, payload: Buffer): unknown {
  if (format === 'cbor') return decodeCbor(payload);
  return JSON.parse(payload.toString('utf8'));
}

export const eventTopic = (commandId: string, status: string) => `$aws/events/commandExecution/${commandId}/${status}`;
