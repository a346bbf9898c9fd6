/**
 * The engine control socket: a running Thingbench (`thingbench up`, `serve`, the desktop app) serves the whole
 * contract on an owner-only local socket announced by `<data dir>/run/engine-<pid>.json`, so a command in another
 * process (`thingbench lab start 1`) drives the user's running engine: its devices keep running in it, and its
 * events (`labs.checked`, …) reach the command. The wire is the contract's own envelope (`contract/wire.ts`), one JSON
 * message per line each way, answered by the same dispatcher as the UI (`rpc-server.ts`).
 */
import net from 'node:net';
import readline from 'node:readline';
import { createClient, type Disposable, type ThingbenchClient, type Transport, type WireMessage } from '../contract/index.js';
import { EngineError, type Logger } from '../core/index.js';
import type { Engine } from '../engine-types.js';
import { announcements, openAnnouncedSocket, type Announcement, type AnnouncedSocket } from './control-socket.js';
import { serveRpc, UNKNOWN_CALL_ID } from './rpc-server.js';

/** What `run/engine-<pid>.json` says about a running engine. */
export interface EngineAnnouncement extends Announcement {
  /** The engine's endpoints (`mqtt`, `mqtts`, `http`, …) as its ready line prints them. */
  endpoints: Record<string, string>;
}

/** Unsent bytes above which a control client counts as congested (live events are coalesced for it). */
const CONGESTED_BYTES = 1 << 20;
/** A client that stopped reading is dropped beyond this. */
const MAX_BUFFERED_BYTES = 64 << 20;
/** A line longer than this is not a contract call: the connection is dropped. */
const MAX_LINE = 16 << 20;

/** One JSON wire message per line over a stream socket, either side. */
export class LineTransport implements Transport {
  constructor(private readonly conn: net.Socket) {}

  send(msg: WireMessage): void {
    if (this.conn.destroyed || !this.conn.writable) return;
    if (this.conn.writableLength > MAX_BUFFERED_BYTES) {
      this.conn.destroy();
      return;
    }
    this.conn.write(JSON.stringify(msg) + '\n');
  }

  onMessage(cb: (msg: WireMessage) => void): Disposable {
    const lines = readline.createInterface({ input: this.conn, crlfDelay: Infinity });
    const guard = () => {
      if (this.conn.readableLength > MAX_LINE) this.conn.destroy();
    };
    this.conn.on('data', guard);
    lines.on('line', (line) => {
      if (!line.trim()) return;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        this.send({ kind: 'error', id: UNKNOWN_CALL_ID, error: { code: 'InvalidInput', message: 'expected one JSON wire message per line' } });
        return;
      }
      cb(msg as WireMessage);
    });
    return {
      dispose: () => {
        lines.close();
        this.conn.off('data', guard);
      },
    };
  }

  isCongested(): boolean {
    return this.conn.writableLength > CONGESTED_BYTES;
  }
}

/** Serves `engine` on this process's control socket until `close()`. */
export async function openEngineControl(engine: Engine, dataDir: string, endpoints: Record<string, string>, logger?: Logger): Promise<AnnouncedSocket> {
  const peers = new Set<net.Socket>();
  const control = await openAnnouncedSocket(dataDir, 'engine', { endpoints }, (conn) => {
    peers.add(conn);
    const transport = new LineTransport(conn);
    const rpc = serveRpc(engine, transport, { logger, isCongested: () => transport.isCongested() });
    conn.on('error', () => {});
    conn.once('close', () => {
      peers.delete(conn);
      rpc.dispose();
    });
  });
  return {
    socket: control.socket,
    close: async () => {
      for (const p of peers) p.destroy();
      await control.close();
    },
  };
}

/** The engine running on this data directory, if any (the newest when several announce themselves). */
export function runningEngine(dataDir: string): EngineAnnouncement | undefined {
  return announcements<EngineAnnouncement>(dataDir, 'engine').at(-1);
}

/** A contract client connected to a running engine's control socket; `dispose()` closes the connection. */
export function connectEngine(engine: EngineAnnouncement, timeoutMs = 10_000): Promise<ThingbenchClient & { closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(engine.socket);
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new EngineError('Unavailable', `the Thingbench running on this data directory (pid ${engine.pid}) did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    conn.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new EngineError('Unavailable', `cannot reach the Thingbench running on this data directory (pid ${engine.pid}) on ${engine.socket} (${e.code ?? e.message})`));
    });
    conn.once('connect', () => {
      clearTimeout(timer);
      conn.on('error', () => {});
      const client = createClient(new LineTransport(conn));
      const closed = new Promise<void>((r) => conn.once('close', () => {
        client.dispose();
        r();
      }));
      const dispose = client.dispose.bind(client);
      resolve(Object.assign(client, {
        closed,
        dispose() {
          dispose();
          conn.end();
        },
      }));
    });
  });
}
