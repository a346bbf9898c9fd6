import type { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DeviceProtocol } from './device-sessions.js';
import type { TlsCredentials, Transport } from './listeners.js';

/**
 * What the broker asks the security service (ARCHITECTURE §2: the broker depends only on core; the hooks are
 * passed in). `engine.ts` passes `SecurityService.brokerHooks(...)`; without hooks every listener allows everything.
 */
export interface SecurityHooks {
  /** Credentials for the TLS listeners; `onTrustChange` fires when they change (a CA was registered or deleted). */
  tlsCredentials(): TlsCredentials;
  onTrustChange(listener: () => void): void;
  /**
   * After a TLS handshake, before any MQTT: accept the client certificate (resolving to a handle passed back to
   * `connect`) or refuse with a reason (the connection is closed). Just-in-time registration happens here.
   */
  admit(peer: X509Certificate | undefined, info: { transport: Transport; remoteAddress: string; signedBy?: string; presentedChain?: () => X509Certificate[] }): Promise<{ peer?: object } | { refused: string }>;
  /**
   * MQTT over WebSocket, at the HTTP upgrade: AWS IoT's SigV4 authentication (a presigned URL or a signed request).
   * The access key id that signed it, a refusal (the upgrade is answered with `status`), or `null` when unsigned.
   */
  authenticateUpgrade?(req: { method: string; url: string; headers: IncomingHttpHeaders }): { principal: string } | { refused: string; status: number } | null;
  /**
   * CONNECT: a guard for the connection's later packets, `null` to allow everything (plain listeners in allow-all
   * mode), or a refusal (CONNACK "not authorized", then close).
   */
  connect(req: { clientId: string; transport: Transport; remoteAddress: string; peer?: object }): ConnectionGuard | null | { refused: string };
  /** A guard for a device that is not an MQTT connection (a device session: HTTPS, CoAP), or a refusal. */
  deviceGuard?(req: DeviceGuardRequest): ConnectionGuard | { refused: string };
  /**
   * An HTTPS device's client id, from its admitted certificate (`admit`'s peer): the thing it names (`thing`, which the
   * certificate must be attached to), else the one thing the certificate is attached to, else the certificate id.
   */
  deviceClientId?(peer: object, thing?: string): string | { refused: string };
}

export interface DeviceGuardRequest {
  clientId: string;
  transport: DeviceProtocol;
  remoteAddress: string;
  /** HTTPS: what `admit` returned for the client certificate. */
  peer?: object;
  /** CoAP: the thing the device's token belongs to (its principals' and groups' policies apply). */
  thing?: string;
  /** CoAP: the token's id (presence events' principalIdentifier, rules' `principal()`); never the secret. */
  principal?: string;
}

/** Per-connection authorization (decisions cached per connection; denials logged by the implementation). */
export interface ConnectionGuard {
  /** Presence events' `principalIdentifier` and rules' `principal()`: the certificate id, or the SigV4 access key id. */
  readonly principal: string;
  publish(topic: string, retain: boolean): boolean;
  subscribe(filter: string): boolean;
  /** Checked on every delivery: keep it cheap. */
  receive(topic: string): boolean;
  /** Any other action on a resource ARN (an HTTPS device's `iot:GetThingShadow` on `…:thing/{thing}`); absent: allowed. */
  check?(action: string, resource: string): boolean;
}
