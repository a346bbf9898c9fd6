/**
 * The control channel of a running fleet (`thingbench devices start`), so `thingbench devices fault` in another
 * process can reach it. Not a network listener: a Unix socket (a named pipe on Windows) announced by
 * `<data dir>/run/fleet-<pid>.json`, both readable by the owner only. One JSON object per line each way:
 * `{"id":1,"op":"fault","spec":{…},"devices":["…"]}` → `{"id":1,"ok":true,"result":{…}}` or
 * `{"id":1,"ok":false,"error":{"code":"NotFound","message":"…"}}`; `{"id":2,"op":"status"}` → the fleet's status.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { EngineError } from '../core/index.js';

/** What `run/fleet-<pid>.json` says about a running fleet. */
export interface FleetAnnouncement {
  pid: number;
  model: string;
  count: number;
  startedAt: string;
  /** The Unix socket path or Windows pipe name. */
  socket: string;
}

export type ControlRequest = { op: 'fault'; spec: unknown; devices?: string[] } | { op: 'status' };
export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

export interface FleetControl {
  readonly socket: string;
  close(): Promise<void>;
}

const runDir = (dataDir: string) => path.join(dataDir, 'run');
const announcementFile = (dataDir: string, pid: number) => path.join(runDir(dataDir), `fleet-${pid}.json`);
/** sockaddr_un holds 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 100;

/** Opens the channel for this process's fleet and announces it; `close()` removes both. */
export async function openFleetControl(dataDir: string, about: { model: string; count: number }, handle: ControlHandler): Promise<FleetControl> {
  const dir = runDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') fs.chmodSync(dir, 0o700);
  let socket: string;
  let privateDir: string | undefined;
  if (process.platform === 'win32') socket = `\\\\.\\pipe\\thingbench-fleet-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  else {
    socket = path.join(dir, `fleet-${process.pid}.sock`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      // A data directory too deep for a socket path: the socket goes in a private directory, the announcement says where.
      privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-fleet-'));
      socket = path.join(privateDir, 'control.sock');
    }
    fs.rmSync(socket, { force: true });
  }
  const server = net.createServer((conn) => serve(conn, handle));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') fs.chmodSync(socket, 0o600);
  const file = announcementFile(dataDir, process.pid);
  const announcement: FleetAnnouncement = { pid: process.pid, model: about.model, count: about.count, startedAt: new Date().toISOString(), socket };
  fs.writeFileSync(file, JSON.stringify(announcement) + '\n', { mode: 0o600 });
  let closing: Promise<void> | undefined;
  return {
    socket,
    close: () => (closing ??= new Promise<void>((resolve) => {
      fs.rmSync(file, { force: true });
      server.close(() => {
        if (process.platform !== 'win32') fs.rmSync(socket, { force: true });
        if (privateDir) fs.rmSync(privateDir, { recursive: true, force: true });
        resolve();
      });
    })),
  };
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
  let names: string[];
  try {
    names = fs.readdirSync(runDir(dataDir)).filter((n) => /^fleet-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const out: FleetAnnouncement[] = [];
  for (const name of names) {
    const file = path.join(runDir(dataDir), name);
    let a: FleetAnnouncement;
    try {
      a = JSON.parse(fs.readFileSync(file, 'utf8')) as FleetAnnouncement;
    } catch {
      continue;
    }
    if (alive(a.pid)) out.push(a);
    else {
      fs.rmSync(file, { force: true });
      if (process.platform !== 'win32' && a.socket.startsWith(runDir(dataDir))) fs.rmSync(a.socket, { force: true });
    }
  }
  return out.sort((x, y) => x.startedAt.localeCompare(y.startedAt));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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
