/**
 * Owner-only local control sockets announced under `<data dir>/run/`: how a command in another process finds a
 * running fleet (`fleet-<pid>`) or engine (`engine-<pid>`). Not a network listener: a Unix socket (a named pipe on
 * Windows); the `run/` directory, the socket and the `<kind>-<pid>.json` announcement are readable by the owner only.
 * Announcements whose process is gone are removed when listed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** What every announcement says; each kind adds its own fields. */
export interface Announcement {
  pid: number;
  startedAt: string;
  /** The Unix socket path or Windows pipe name. */
  socket: string;
}

export interface AnnouncedSocket {
  readonly socket: string;
  close(): Promise<void>;
}

const runDir = (dataDir: string) => path.join(dataDir, 'run');
const announcementFile = (dataDir: string, kind: string, pid: number) => path.join(runDir(dataDir), `${kind}-${pid}.json`);
/** sockaddr_un holds 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 100;

/** Listens on this process's `<kind>` socket and announces it with `about`; `close()` removes both. */
export async function openAnnouncedSocket<T extends object>(
  dataDir: string, kind: string, about: T, onConnection: (conn: net.Socket) => void,
): Promise<AnnouncedSocket> {
  const dir = runDir(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') fs.chmodSync(dir, 0o700);
  let socket: string;
  let privateDir: string | undefined;
  if (process.platform === 'win32') socket = `\\\\.\\pipe\\thingbench-${kind}-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  else {
    socket = path.join(dir, `${kind}-${process.pid}.sock`);
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      // A data directory too deep for a socket path: the socket goes in a private directory, the announcement says where.
      privateDir = fs.mkdtempSync(path.join(os.tmpdir(), `tb-${kind}-`));
      socket = path.join(privateDir, 'control.sock');
    }
    fs.rmSync(socket, { force: true });
  }
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') fs.chmodSync(socket, 0o600);
  const file = announcementFile(dataDir, kind, process.pid);
  const announcement = { ...about, pid: process.pid, startedAt: new Date().toISOString(), socket };
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

/** The live `<kind>` announcements under the data directory, oldest first; stale ones are removed on the way. */
export function announcements<T extends Announcement>(dataDir: string, kind: string): T[] {
  let names: string[];
  const pattern = new RegExp(`^${kind}-\\d+\\.json$`);
  try {
    names = fs.readdirSync(runDir(dataDir)).filter((n) => pattern.test(n));
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const name of names) {
    const file = path.join(runDir(dataDir), name);
    let a: T;
    try {
      a = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
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
