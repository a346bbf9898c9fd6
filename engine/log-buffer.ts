import type { LogRecord, ThingbenchEvents } from './contract/index.js';
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

  recent(limit = 200): LogRecord[] {
    return this.entries.slice(-Math.min(Math.max(limit, 1), this.capacity));
  }
}
