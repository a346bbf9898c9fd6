/**
 * The control channel of a running fleet (`thingbench devices start`), so `thingbench devices fault` in another
 * process can reach it. Not a network listener: a Unix socket (a named pipe on Windows) announced by
 * `<data dir>/run/fleet-<pid>.json`, both readable by the owner only. One JSON object per line each way:
 * `{"id":1,"op":"fault","spec":{…},"devices":["…"]}` → `{"id":1,"ok":true,"result":{…}}` or
 * `{"id":1,"ok":false,"error":{"code":"NotFound","message":"…"}}`; `{"id":2,"op":"status"}` → the fleet's status.
 */
import net from 'node:net';
import readline from 'node:readline';
import { EngineError } from '../core/index.js';
import { announcements, openAnnouncedSocket, type Announcement, type AnnouncedSocket } from './control-socket.js';

/** What `run/fleet-<pid>.json` says about a running fleet. */
export interface FleetAnnouncement extends Announcement {
  model: string;
  count: number;
}

export type ControlRequest = { op: 'fault'; spec: unknown; devices?: string[] } | { op: 'status' };
export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

export type FleetControl = AnnouncedSocket;

/** Opens the channel for this process's fleet and announces it; `close()` removes both. */
export function openFleetControl(dataDir: string, about: { model: string; count: number }, handle: ControlHandler): Promise<FleetControl> {
  return openAnnouncedSocket(dataDir, 'fleet', { model: about.model, count: about.count }, (conn) => serve(conn, handle));
}

function serve(conn: net.Socket, handle: ControlHandler): void {
  conn.on('error', () => {});
  const lines = readline.createInterface({ input: conn });
  lines.on('line', (line) => {
    let id: unknown = null;
    void (async () => {
      try {
        const req = JSON.parse(line) as Record<string, unknown>;
        id = req.id ?? null;
        if (req.op !== 'fault' && req.op !== 'status') throw new EngineError('InvalidInput', `unknown op ${JSON.stringify(req.op)}: expected fault or status`);
        if (req.devices !== undefined && !(Array.isArray(req.devices) && req.devices.every((d) => typeof d === 'string'))) {
          throw new EngineError('InvalidInput', 'devices must be a list of thing names or client ids');
        }
        const result = await handle(req as ControlRequest);
        conn.write(JSON.stringify({ id, ok: true, result }) + '\n');
      } catch (e) {
        const error = e instanceof EngineError ? { code: e.code, message: e.message }
          : e instanceof SyntaxError ? { code: 'InvalidInput', message: 'each request must be one JSON object on one line' }
            : { code: 'Internal', message: (e as Error).message };
        conn.write(JSON.stringify({ id, ok: false, error }) + '\n');
      }
    })();
  });
}

/**
 * The running fleets announced under the data directory, oldest first. Announcements whose process is gone (a fleet
 * that was killed) are removed on the way.
 */
export function runningFleets(dataDir: string): FleetAnnouncement[] {
  return announcements<FleetAnnouncement>(dataDir, 'fleet');
}

/** Sends one request to a fleet and resolves with its result; a refusal rejects with the fleet's `EngineError`. */
export function callFleet(fleet: FleetAnnouncement, req: ControlRequest, timeoutMs = 15_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(fleet.socket);
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new EngineError('Unavailable', `the fleet (pid ${fleet.pid}) did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    conn.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new EngineError('Unavailable', `cannot reach the fleet (pid ${fleet.pid}) on ${fleet.socket} (${e.code ?? e.message})`));
    });
    const lines = readline.createInterface({ input: conn });
    lines.once('line', (line) => {
      clearTimeout(timer);
      conn.end();
      const res = JSON.parse(line) as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
      if (res.ok) resolve(res.result);
      else reject(new EngineError((res.error?.code ?? 'Internal') as EngineError['code'], res.error?.message ?? 'the fleet refused the request'));
    });
    conn.write(JSON.stringify({ id: 1, ...req }) + '\n');
  });
}
