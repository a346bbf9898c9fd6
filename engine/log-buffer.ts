import type { LogQuery, LogRecord, ThingbenchEvents } from './contract/index.js';
import type { Logger, LogLevel, TypedEmitter } from './core/index.js';

/** Keeps the recent log for the UI and forwards every entry to the host's logger. */
export class LogBuffer implements Logger {
  private readonly entries: LogRecord[] = [];

  constructor(private readonly events: TypedEmitter<ThingbenchEvents>, private readonly forward: Logger, private readonly capacity = 2000) {}

  log(level: LogLevel, source: string, message: string, details?: Record<string, unknown>): void {
    const entry: LogRecord = { level, source, message, time: Date.now(), ...(details ? { details } : {}) };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.forward.log(level, source, message, details);
    if (this.events.has('logs.appended')) this.events.emit('logs.appended', [entry]);
  }

  /** The newest entries that match, oldest first; a number is `{ limit }`. */
  recent(query: LogQuery | number = {}): LogRecord[] {
    const q = typeof query === 'number' ? { limit: query } : query;
    const limit = Math.min(Math.max(q.limit ?? 200, 1), this.capacity);
    const matches = logMatcher(q);
    if (!matches) return this.entries.slice(-limit);
    const out: LogRecord[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) if (matches(this.entries[i])) out.push(this.entries[i]);
    return out.reverse();
  }
}

const levelOrder: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The query's filters as one test, or null when it has none. */
function logMatcher(q: LogQuery): ((r: LogRecord) => boolean) | null {
  const min = q.level ? levelOrder[q.level] : 0;
  const source = q.source || undefined;
  const text = q.text ? q.text.toLowerCase() : undefined;
  if (!min && !source && !text) return null;
  return (r) => {
    if (levelOrder[r.level] < min) return false;
    if (source && r.source !== source && !r.source.startsWith(`${source}.`)) return false;
    if (text) {
      const topic = typeof r.details?.topic === 'string' ? r.details.topic : '';
      if (!r.message.toLowerCase().includes(text) && !r.source.toLowerCase().includes(text) && !topic.toLowerCase().includes(text)) return false;
    }
    return true;
  };
}
