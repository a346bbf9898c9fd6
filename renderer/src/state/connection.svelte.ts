import type { EngineInfo, ThingbenchClient } from '../../../engine/contract/index.js';
import type { Connection } from '../platform/connect.js';
import type { ConnectionState } from '../platform/ws-transport.js';

/** The link to the engine: its state, the engine's info (mode, endpoints) and the last problem worth showing. */
export class ConnectionStore {
  state = $state<ConnectionState>('connecting');
  info = $state<EngineInfo | null>(null);
  /** One line for the status bar; cleared by the next success of the same kind or by `clearError`. */
  error = $state<string | null>(null);
  readonly host: Connection['host'];

  constructor(client: ThingbenchClient, connection: Connection) {
    this.host = connection.host;
    this.state = connection.state();
    connection.onStateChange((state) => {
      this.state = state;
      if (state === 'closed') client.dispose();
    });
    client.engine.info().then((info) => { this.info = info; }, this.reportError('Could not read the engine info'));
  }

  /** A rejection handler that shows `what` and the reason in the status bar. */
  reportError(what: string): (err: unknown) => void {
    return (err) => { this.error = `${what}: ${err instanceof Error ? err.message : String(err)}`; };
  }

  clearError(): void {
    this.error = null;
  }
}
