// The engine's own process in the desktop app: an Electron utility process (`utilityProcess.fork` from
// electron/main/engine-process.ts), so the broker, the rules and the storage never share the main process's thread
// with the menus and windows. It talks to the main process over `process.parentPort` (./protocol.ts) and serves the
// contract on the MessagePort each window brings.
import type { MessageEvent, MessagePortMain } from 'electron';
import { defaultConfig } from '../../engine/config.js';
import { streamLogger } from '../../engine/core/index.js';
import { createEngine } from '../../engine/engine.js';
import { runEngineHost } from './engine-host.js';
import type { PortLike } from './port-transport.js';

const logger = streamLogger(process.stderr, 'info');

/** Electron's MessagePortMain as the engine host's port. */
function portLink(port: MessagePortMain): PortLike {
  const link: PortLike = {
    postMessage: (data) => port.postMessage(data),
    onMessage: (cb) => void port.on('message', (e: MessageEvent) => cb(e.data)),
    onClose: (cb) => void port.once('close', cb),
    close: () => port.close(),
  };
  port.start();
  return link;
}

const parentPort = process.parentPort;
if (!parentPort) {
  logger.log('error', 'electron', 'the engine process must be started by the desktop app (utilityProcess.fork)');
  process.exit(1);
}

const finished = runEngineHost({
  post: (msg) => parentPort.postMessage(msg),
  onMessage: (cb) => void parentPort.on('message', (e: MessageEvent) => cb(e.data, e.ports.map(portLink))),
}, {
  createEngine: (dataDir) => createEngine(defaultConfig({ dataDir }), { logger }),
  logger,
});
// Leave once stopped: the main process waits for this exit (and kills the process if it does not come).
void finished.then(() => setImmediate(() => process.exit(0)));
