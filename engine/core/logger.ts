export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  /** Dotted source, e.g. `broker.aws`. */
  source: string;
  message: string;
  time: number;
  details?: Record<string, unknown>;
}

export interface Logger {
  log(level: LogLevel, source: string, message: string, details?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes entries at or above `min` to a stream as one line each; `json` for machine readers. */
export function streamLogger(stream: NodeJS.WritableStream, min: LogLevel = 'info', json = false): Logger {
  return {
    log(level, source, message, details) {
      if (order[level] < order[min]) return;
      const time = Date.now();
      const line = json
        ? JSON.stringify({ event: 'log', level, source, message, time, ...(details ? { details } : {}) })
        : `${new Date(time).toISOString()} ${level.padEnd(5)} [${source}] ${message}${details ? ' ' + JSON.stringify(details) : ''}`;
      stream.write(line + '\n');
    },
  };
}

export const silentLogger: Logger = { log() {} };

/** Fans one log call out to several loggers (console plus the UI's log stream). */
export function teeLogger(...loggers: Logger[]): Logger {
  return { log: (...args) => loggers.forEach((l) => l.log(...args)) };
}
