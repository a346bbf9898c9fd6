/** The device adapters' counters as the UI and the CLI see them (`adapters.stats`): what each edge answered and refused. */

/** Each adapter's counters since the engine started; null when that listener is off. */
export interface AdapterStats {
  coap: CoapStats | null;
  https: HttpsDeviceStats | null;
}

/** The CoAP listener (UDP). */
export interface CoapStats {
  /** `coap://127.0.0.1:5683` */
  endpoint: string;
  /** Requests answered (any code). */
  requests: number;
  /** Refusals by CoAP response code, e.g. `{ '4.01': 3, '4.29': 120 }`. */
  refused: Record<string, number>;
  /** Datagrams dropped as garbage (not CoAP). */
  malformed: number;
  /** Observe relations open now. */
  observers: number;
  /** Block-wise transfers open now (Block1 uploads and Block2 downloads). */
  blockTransfers: number;
}

/** The HTTPS device endpoint (mutual TLS, AWS IoT's port 8443). */
export interface HttpsDeviceStats {
  /** `https://127.0.0.1:8443` */
  endpoint: string;
  /** Requests answered (any status). */
  requests: number;
  /** Refusals by HTTP status, e.g. `{ '403': 2 }`. */
  refused: Record<string, number>;
}
