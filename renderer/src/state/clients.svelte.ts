import type { ClientInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { readSoon } from './soon.js';

/** Activity comes in batches of up to 4 a second: one read per quarter second keeps up with it. */
const READ_DELAY_MS = 250;

/**
 * The clients connected now (`broker.clients()`: MQTT over tcp, tls, ws, wss, and the HTTPS and CoAP device sessions),
 * read again when the broker reports a connection, disconnection or (un)subscription (`broker.activity`).
 */
export class ClientsStore {
  clients = $state.raw<readonly ClientInfo[]>([]);
  loaded = $state(false);

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  /** Keeps the list live while a view shows it; returns the stop function. */
  watch(): () => void {
    const soon = readSoon(() => this.read(), READ_DELAY_MS);
    const sub = this.client.on('broker.activity', () => soon.request());
    void this.read();
    return () => {
      sub.dispose();
      soon.dispose();
    };
  }

  private async read(): Promise<void> {
    try {
      const clients = await this.client.broker.clients();
      this.clients = clients.sort((a, b) => b.connectedAt - a.connectedAt || a.clientId.localeCompare(b.clientId));
    } catch (err) {
      this.connection.reportError('Could not read the connected clients')(err);
    }
    this.loaded = true;
  }
}
