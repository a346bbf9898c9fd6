import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import type { Logger } from '../../engine/core/index.js';
import { parseEngineMessage, type HostToEngine } from '../engine-process/protocol.js';
import { PORT_CHANNEL } from './ipc-channels.js';
import { stopEngineProcess } from './stop-engine.js';

export interface EngineProcessOptions {
  /** The compiled engine-process/main.js. */
  entry: string;
  dataDir: string;
  logger: Logger;
  onNotification(title: string, body: string): void;
  /** The engine process ended without being asked to (a crash). */
  onUnexpectedExit(code: number): void;
}

/**
 * The engine in its own utility process, seen from the main process: start it, hand each window a MessagePort
 * to it (the contract then flows between the window and the engine without passing through here), stop it.
 */
export class EngineProcess {
  private stopping = false;
  private readonly exit: Promise<void>;

  private constructor(private readonly child: UtilityProcess, readonly endpoints: Record<string, string>, exit: Promise<void>) {
    this.exit = exit;
  }

  /** Forks the engine process and resolves once its engine listens; rejects with the engine's reason otherwise. */
  static start(opts: EngineProcessOptions): Promise<EngineProcess> {
    const child = utilityProcess.fork(opts.entry, [], { serviceName: 'Thingbench engine', stdio: 'inherit' });
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const post = (msg: HostToEngine) => child.postMessage(msg);
    return new Promise((resolve, reject) => {
      let proc: EngineProcess | undefined;
      child.on('message', (data: unknown) => {
        const msg = parseEngineMessage(data);
        if (!msg) return;
        if (msg.type === 'ready') resolve(proc = new EngineProcess(child, msg.endpoints, exit));
        else if (msg.type === 'failed') {
          reject(new Error(msg.message));
          child.kill();
        } else if (msg.type === 'notification') opts.onNotification(msg.title, msg.body);
      });
      child.once('exit', (code: number) => {
        if (!proc) reject(new Error(`the engine process exited (code ${code}) before it was ready`));
        else if (!proc.stopping) opts.onUnexpectedExit(code);
        opts.logger.log(code === 0 ? 'info' : 'warn', 'electron', `the engine process exited with code ${code}`);
      });
      post({ type: 'start', dataDir: opts.dataDir });
    });
  }

  /** Gives `contents` (a window's top frame, checked by the caller) its own channel to the engine. */
  connect(contents: WebContents): void {
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'connect' } satisfies HostToEngine, [port1]);
    contents.postMessage(PORT_CHANNEL, null, [port2]);
  }

  /** Asks the engine to stop (storage flushed, clients disconnected), then kills it if it has not exited in time. */
  stop(): Promise<'exited' | 'killed'> {
    this.stopping = true;
    return stopEngineProcess({
      requestStop: () => this.child.postMessage({ type: 'stop' } satisfies HostToEngine),
      exited: () => this.exit,
      kill: () => void this.child.kill(),
    });
  }
}
