import type { MessageProperties, ThingbenchClient } from '../../../engine/contract/index.js';
import { formatTime } from '../lib/format.js';
import { parseUserProperties } from '../lib/user-properties.js';

export interface PublishDraft {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  /** MQTT 5 properties to publish with; empty ones are left out. */
  contentType?: string;
  responseTopic?: string;
  /** One per line, `name: value`. */
  userProperties?: string;
}

export interface PublishTemplate extends PublishDraft {
  name: string;
}

const TEMPLATES_KEY = 'thingbench.publish.templates';
const HISTORY_KEY = 'thingbench.publish.history';
const HISTORY_SIZE = 30;

/**
 * The publish panel's form, its saved templates and the recent publishes (both kept in local storage), and
 * publishing as the engine (`broker.publish`, like the HTTP Publish API).
 */
export class PublishStore {
  draft = $state<PublishDraft>({ topic: '', payload: '{\n  "temperature": 21.5\n}', qos: 0, retain: false });
  templates = $state.raw<readonly PublishTemplate[]>(load(TEMPLATES_KEY));
  history = $state.raw<readonly (PublishDraft & { time: number })[]>(load(HISTORY_KEY));
  /** The last publish's outcome, for the panel. */
  result = $state<{ ok: boolean; text: string } | null>(null);
  busy = $state(false);

  constructor(private readonly client: ThingbenchClient) {}

  async publish(): Promise<boolean> {
    const draft = { ...this.draft };
    this.busy = true;
    try {
      await this.client.broker.publish({ topic: draft.topic, payload: draft.payload, qos: draft.qos, retain: draft.retain, properties: properties(draft) });
      this.result = { ok: true, text: `Published to ${draft.topic} at ${formatTime(Date.now())}` };
      const same = (h: PublishDraft) => JSON.stringify(fields(h)) === JSON.stringify(fields(draft));
      this.history = [{ ...draft, time: Date.now() }, ...this.history.filter((h) => !same(h))].slice(0, HISTORY_SIZE);
      save(HISTORY_KEY, this.history);
      return true;
    } catch (err) {
      this.result = { ok: false, text: err instanceof Error ? err.message : String(err) };
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Fills the form from a template or a past publish. */
  use(d: PublishDraft): void {
    this.draft = fields(d);
    this.result = null;
  }

  /** Saves the form as a template under `name` (replacing one of that name). */
  saveTemplate(name: string): void {
    const template = { name, ...fields(this.draft) };
    this.templates = [...this.templates.filter((t) => t.name !== name), template].sort((a, b) => a.name.localeCompare(b.name));
    save(TEMPLATES_KEY, this.templates);
  }

  deleteTemplate(name: string): void {
    this.templates = this.templates.filter((t) => t.name !== name);
    save(TEMPLATES_KEY, this.templates);
  }

  clearHistory(): void {
    this.history = [];
    save(HISTORY_KEY, this.history);
  }
}

/** A draft's own fields (not a template's name or a past publish's time). */
function fields(d: PublishDraft): PublishDraft {
  return {
    topic: d.topic, payload: d.payload, qos: d.qos, retain: d.retain,
    contentType: d.contentType ?? '', responseTopic: d.responseTopic ?? '', userProperties: d.userProperties ?? '',
  };
}

/** The draft's MQTT 5 properties, or undefined when it sets none. */
function properties(d: PublishDraft): MessageProperties | undefined {
  const p: MessageProperties = {};
  if (d.contentType?.trim()) p.contentType = d.contentType.trim();
  if (d.responseTopic?.trim()) p.responseTopic = d.responseTopic.trim();
  const user = parseUserProperties(d.userProperties ?? '').pairs;
  if (user.length) p.userProperties = user;
  return Object.keys(p).length ? p : undefined;
}

function load<T>(key: string): T[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or denied: the list still works for this session.
  }
}
