// Talking with devices: command & control, delivery classes and the device adapters.
import type { AdapterStats } from '../adapter-types.js';
import type { ControlAnswer, ControlHandedOver, ControlPendingInfo, ControlSendInput, ControlSendOneWayInput } from '../control-types.js';
import type { DeliveryMapping, DeliveryMappingInput, StoredEventInfo } from '../delivery-types.js';

/** Command & control: one call to a thing over MQTT, HTTPS or CoAP, resolved with its correlated answer. */
export interface ControlApi {
  /** Sends a command and waits for the answer; Unavailable (details.reason `Timeout`) when none comes in time, Throttled when the thing has too many waiting. */
  send(input: ControlSendInput & { oneWay?: false }): Promise<ControlAnswer>;
  /** A one-way command: resolves once it is handed to the device (Unavailable, reason `Timeout`, when not in time). */
  send(input: ControlSendOneWayInput): Promise<ControlHandedOver>;
  send(input: ControlSendInput & { oneWay?: boolean }): Promise<ControlAnswer | ControlHandedOver>;
  /** The commands waiting for an answer. */
  pending(): Promise<ControlPendingInfo[]>;
}

/** Telemetry and events: delivery classes by topic filter or device, and the events kept for absent consumers. */
export interface DeliveryApi {
  /** Every mapping, oldest first. */
  list(): Promise<DeliveryMapping[]>;
  /** Sets a mapping (replaces the one with its id); AlreadyExists when another maps the same filter or device. */
  put(input: DeliveryMappingInput): Promise<DeliveryMapping>;
  /** NotFound when no mapping has this id. */
  delete(id: string): Promise<void>;
  /** Events waiting for absent consumers (or for one), oldest first, at most 1000. */
  stored(query?: { consumer?: string }): Promise<StoredEventInfo[]>;
}

/** The device adapters (CoAP, HTTPS): their endpoints and counters. */
export interface AdaptersApi {
  /** Requests answered and refused (by response code) per adapter since the start; null for a listener that is off. */
  stats(): Promise<AdapterStats>;
}
