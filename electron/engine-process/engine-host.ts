import { desktopNotificationText, type Disposable } from '../../engine/contract/index.js';
import type { Logger } from '../../engine/core/index.js';
import type { Engine } from '../../engine/engine-types.js';
import { openEngineControl, serveRpc } from '../../engine/host/index.js';
import { PortTransport, type PortLike } from './port-transport.js';
import { parseHostMessage, type EngineToHost } from './protocol.js';

/** The engine process's link to the main process (Electron's `process.parentPort`, or a channel in tests). */
export interface ParentLink {
  post(msg: EngineToHost): void;
  onMessage(cb: (data: unknown, ports: PortLike[]) => void): void;
}

export interface EngineHostOptions {
  createEngine(dataDir: string): Promise<Engine>;
  logger: Logger;
}

/**
 * Runs the engine for the main process: starts it on `start`, serves the contract on every port `connect` brings
 * (one per window), tells the main process about notification-topic messages, and stops everything on `stop`.
 * Resolves when the engine has stopped (after `stopped` was posted), so the entry can exit.
 */
export function runEngineHost(parent: ParentLink, opts: EngineHostOptions): Promise<void> {
  const { logger } = opts;
  let engine: Engine | undefined;
  let starting: Promise<Engine | undefined> | undefined;
  // A window may connect before `start` arrives: its port waits for the engine (or is closed if it never comes).
  let settle!: (engine: Engine | undefined) => void;
  const ready = new Promise<Engine | undefined>((resolve) => (settle = resolve));
  let stopping: Promise<void> | undefined;
  const sessions = new Set<{ port: PortLike; rpc: Disposable }>();
  const disposables: Disposable[] = [];
  let control: { close(): Promise<void> } | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const start = (dataDir: string) => {
    starting ??= (async () => {
      try {
        const created = await opts.createEngine(dataDir);
        const info = await created.start();
        engine = created;
        // `thingbench lab …` in a terminal drives this engine through its control socket.
        control = await openEngineControl(created, info.dataDir, info.endpoints, logger)
          .catch((err: unknown) => void logger.log('warn', 'electron', `the control socket could not be opened: ${String(err)}`));
        disposables.push(created.events.on('sinks.notified', (n) => parent.post({ type: 'notification', ...desktopNotificationText(n) })));
        parent.post({ type: 'ready', dataDir: info.dataDir, endpoints: info.endpoints });
        settle(created);
        return created;
      } catch (err) {
        parent.post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        settle(undefined);
        return undefined;
      }
    })();
    return starting;
  };

  const serve = async (port: PortLike) => {
    const running = engine ?? (await ready);
    if (!running || stopping) {
      port.close();
      return;
    }
    const session = { port, rpc: serveRpc(running, new PortTransport(port), { logger }) };
    sessions.add(session);
    port.onClose(() => {
      session.rpc.dispose();
      sessions.delete(session);
    });
  };

  const stop = () => {
    if (!starting) settle(undefined);
    stopping ??= (async () => {
      for (const s of sessions) {
        s.rpc.dispose();
        s.port.close();
      }
      sessions.clear();
      for (const d of disposables) d.dispose();
      try {
        await control?.close();
        const running = engine ?? (await starting);
        await running?.stop();
      } catch (err) {
        logger.log('error', 'electron', 'engine stop failed', { error: err instanceof Error ? err.message : String(err) });
      }
      parent.post({ type: 'stopped' });
      done();
    })();
  };

  parent.onMessage((data, ports) => {
    const msg = parseHostMessage(data);
    if (!msg) return;
    if (msg.type === 'start') void start(msg.dataDir);
    else if (msg.type === 'connect') for (const port of ports) void serve(port);
    else stop();
  });
  return finished;
}
