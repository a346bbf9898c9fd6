import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** How each platform opens a URL in the user's browser. */
function opener(url: string): { command: string; args: string[] } | null {
  if (process.platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd built-in; `""` is its window title and `^&` keeps cmd from splitting the query.
  if (process.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
  // Without a display xdg-open falls back to a text browser that would take over the terminal.
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null;
  return { command: 'xdg-open', args: [url] };
}

function onPath(command: string): boolean {
  if (process.platform === 'win32') return true;
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/**
 * Opens an http(s) URL in the default browser, fire-and-forget. Returns false (and does nothing) in CI,
 * without a desktop, or when no opener exists; the caller has printed the URL anyway.
 */
export function openBrowser(url: string): boolean {
  if (process.env.CI) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const how = opener(parsed.href);
  if (!how || !onPath(how.command)) return false;
  try {
    const child = spawn(how.command, how.args, { detached: true, stdio: 'ignore', windowsHide: true, windowsVerbatimArguments: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
