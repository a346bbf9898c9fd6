/**
 * The messages between the desktop app's main process and the engine's utility process (`engine-process/main.ts`).
 * Only control travels here: the contract itself goes over a MessagePort per window, straight from the window's
 * preload to the engine process, so a busy broker never queues work on the main process.
 *
 *   main → engine: start (once, first), connect (with one MessagePort), stop
 *   engine → main: ready | failed (once, answering start), notification (sinks.notified), stopped (answering stop)
 */

export interface EngineStartRequest {
  type: 'start';
  /** The engine's state directory: the app's user-data folder. */
  dataDir: string;
}

export type HostToEngine =
  | EngineStartRequest
  /** Carries one transferred MessagePort: serve the contract on it until its other end closes. */
  | { type: 'connect' }
  | { type: 'stop' };

export type EngineToHost =
  | { type: 'ready'; dataDir: string; endpoints: Record<string, string> }
  | { type: 'failed'; message: string }
  | { type: 'notification'; title: string; body: string }
  | { type: 'stopped' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> => isRecord(v) && Object.values(v).every((s) => typeof s === 'string');

/** A message from the main process, or undefined when it is not one (the engine process ignores it). */
export function parseHostMessage(data: unknown): HostToEngine | undefined {
  if (!isRecord(data)) return undefined;
  switch (data.type) {
    case 'start':
      return typeof data.dataDir === 'string' && data.dataDir !== '' ? { type: 'start', dataDir: data.dataDir } : undefined;
    case 'connect':
    case 'stop':
      return { type: data.type };
    default:
      return undefined;
  }
}

/** A message from the engine process, or undefined when it is not one (the main process ignores it). */
export function parseEngineMessage(data: unknown): EngineToHost | undefined {
  if (!isRecord(data)) return undefined;
  switch (data.type) {
    case 'ready':
      return typeof data.dataDir === 'string' && isStringMap(data.endpoints) ? { type: 'ready', dataDir: data.dataDir, endpoints: { ...data.endpoints } } : undefined;
    case 'failed':
      return typeof data.message === 'string' ? { type: 'failed', message: data.message } : undefined;
    case 'notification':
      return typeof data.title === 'string' && typeof data.body === 'string' ? { type: 'notification', title: data.title, body: data.body } : undefined;
    case 'stopped':
      return { type: 'stopped' };
    default:
      return undefined;
  }
}
