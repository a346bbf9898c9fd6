import type { LogRecord, ThingbenchClient } from '../../../engine/contract/index.js';
import { perFrame } from './frame.js';

/** Topics remembered with their latest AWS-mode explanation. */
const MAX_TOPICS = 500;

export interface AwsNotice {
  topic: string;
  /** Why AWS IoT dropped, refused or changed it (the engine's one sentence). */
  why: string;
  deviation: string;
  doc: string | null;
  clientId: string | null;
  time: number;
  /** Explanations logged for this topic (the engine logs one per deviation, client and topic every 10 s). */
  count: number;
}

/**
 * AWS mode's explanations of why a message did not arrive (log source `broker.aws`), by the topic or filter they
 * concern: what the topic explorer shows as a notice beside the topics. Fed from the log (`logs.recent`, then
 * `logs.appended`) for the whole session, since a dropped message leaves no other trace.
 */
export class AwsNoticesStore {
  version = $state(0);
  // Plain on purpose: changes reach views through `version`, at most once per frame.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly byTopic = new Map<string, AwsNotice>();
  private readonly schedule = perFrame(() => this.version++);

  constructor(client: ThingbenchClient) {
    client.on('logs.appended', (records) => {
      if (this.take(records)) this.schedule();
    });
    client.logs.recent({ source: 'broker.aws', limit: 1000 }).then((records) => {
      if (this.take(records)) this.schedule();
    }, () => {});
  }

  /** Notices for `path` and the topics under it (every notice for the root, ''), newest first. */
  under(path: string): AwsNotice[] {
    const out = [...this.byTopic.values()].filter((n) => !path || n.topic === path || n.topic.startsWith(`${path}/`));
    return out.sort((a, b) => b.time - a.time);
  }

  private take(records: readonly LogRecord[]): boolean {
    let changed = false;
    for (const r of records) {
      const topic = r.source === 'broker.aws' ? r.details?.topic : undefined;
      if (typeof topic !== 'string') continue;
      const previous = this.byTopic.get(topic);
      if (previous && previous.time > r.time) continue;
      this.byTopic.delete(topic);
      this.byTopic.set(topic, {
        topic, why: r.message, deviation: String(r.details?.deviation ?? ''), doc: typeof r.details?.doc === 'string' ? r.details.doc : null,
        clientId: typeof r.details?.clientId === 'string' ? r.details.clientId : null, time: r.time, count: (previous?.count ?? 0) + 1,
      });
      if (this.byTopic.size > MAX_TOPICS) this.byTopic.delete(this.byTopic.keys().next().value!);
      changed = true;
    }
    return changed;
  }
}
