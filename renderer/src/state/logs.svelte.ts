import type { LogRecord, PolicyDenial, ThingbenchClient } from '../../../engine/contract/index.js';
import type { ConnectionStore } from './connection.svelte.js';
import { perFrame } from './frame.js';
import { LogModel } from './models/log-filter.js';

/** A policy denial's log line (engine/security): the denials list is read again when one arrives. */
const isDenial = (r: LogRecord) => r.source === 'security' && r.message.startsWith('denied ');

/**
 * The engine's log (`logs.recent`, then `logs.appended`) and the recent policy denials (`security.denials`), while the
 * logs view is open. `version` changes at most once per frame.
 */
export class LogsStore {
  readonly model = new LogModel(5000);
  version = $state(0);
  denials = $state.raw<readonly PolicyDenial[]>([]);
  private denialsStale = false;
  private readonly schedule = perFrame(() => this.flush());

  constructor(private readonly client: ThingbenchClient, private readonly connection: ConnectionStore) {}

  watch(): () => void {
    const sub = this.client.on('logs.appended', (records) => {
      this.model.append(records);
      if (records.some(isDenial)) this.denialsStale = true;
      this.schedule();
    });
    this.client.logs.recent({ limit: 2000 }).then((records) => {
      this.model.reset(records);
      this.schedule();
    }, this.connection.reportError('Could not load the log'));
    void this.loadDenials();
    return () => sub.dispose();
  }

  async loadDenials(): Promise<void> {
    try {
      this.denials = [...(await this.client.security.denials(500))].reverse();
    } catch (err) {
      this.connection.reportError('Could not load the policy denials')(err);
    }
  }

  private flush(): void {
    this.version = this.model.version;
    if (this.denialsStale) {
      this.denialsStale = false;
      void this.loadDenials();
    }
  }
}
