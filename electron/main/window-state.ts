// The main window's size and position, kept across launches in `<userData>/window-state.json`. Pure maths and a
// small file writer, no Electron: window.ts wires them to the BrowserWindow and the screen.
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The normal (not maximized, not full-screen) bounds. */
  bounds: Rect;
  maximized: boolean;
}

/** What a new window gets: position left to the OS (centred) when `x`/`y` are absent. */
export interface WindowPlacement {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 } as const;
export const MIN_SIZE = { width: 760, height: 480 } as const;
/** A restored window must show at least this much of itself on some display, or it is moved onto the main one. */
const MIN_VISIBLE = 64;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The saved state, or undefined when the file is missing, unreadable or not a state this app wrote. */
export function parseWindowState(text: string): WindowState | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const { bounds, maximized } = data as Record<string, unknown>;
  if (typeof bounds !== 'object' || bounds === null) return undefined;
  const { x, y, width, height } = bounds as Record<string, unknown>;
  if (![x, y, width, height].every(isFiniteNumber)) return undefined;
  if ((width as number) <= 0 || (height as number) <= 0) return undefined;
  return { bounds: { x: x as number, y: y as number, width: width as number, height: height as number }, maximized: maximized === true };
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

/**
 * Where the window opens: the saved bounds on the display they mostly lie on, shrunk to fit its work area and moved
 * fully onto it; when they lie on no display any more (a monitor was unplugged, the resolution changed), the default
 * size centred on the primary display (`workAreas[0]`). Never smaller than the window's minimum size.
 */
export function restoreWindowState(saved: WindowState | undefined, workAreas: readonly Rect[]): WindowPlacement {
  const primary = workAreas[0];
  const fitSize = (area: Rect | undefined, w: number, h: number) => ({
    width: Math.round(Math.max(MIN_SIZE.width, area ? Math.min(w, area.width) : w)),
    height: Math.round(Math.max(MIN_SIZE.height, area ? Math.min(h, area.height) : h)),
  });
  if (!saved) return { ...fitSize(primary, DEFAULT_SIZE.width, DEFAULT_SIZE.height), maximized: false };

  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area);
    if (o.width >= Math.min(MIN_VISIBLE, saved.bounds.width) && o.height >= Math.min(MIN_VISIBLE, saved.bounds.height) && o.width * o.height > bestArea) {
      best = area;
      bestArea = o.width * o.height;
    }
  }
  if (!best) return { ...fitSize(primary, DEFAULT_SIZE.width, DEFAULT_SIZE.height), maximized: saved.maximized };

  const size = fitSize(best, saved.bounds.width, saved.bounds.height);
  return {
    x: Math.round(clamp(saved.bounds.x, best.x, best.x + best.width - size.width)),
    y: Math.round(clamp(saved.bounds.y, best.y, best.y + best.height - size.height)),
    ...size,
    maximized: saved.maximized,
  };
}

/** Reads the saved state; undefined on a first launch or a damaged file. */
export function readWindowState(file: string): WindowState | undefined {
  try {
    return parseWindowState(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Writes the state at most once per `delayMs` while the window is moved or resized, and at once on `flush()`
 * (the window closing). Writes go to a temporary file renamed over the old one, so a crash never leaves half a file.
 */
export class WindowStateWriter {
  private timer: NodeJS.Timeout | undefined;
  private latest: WindowState | undefined;

  constructor(private readonly file: string, private readonly delayMs = 500) {}

  schedule(state: WindowState): void {
    this.latest = state;
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(state?: WindowState): void {
    if (state) this.latest = state;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.latest) return;
    const text = JSON.stringify(this.latest);
    this.latest = undefined;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, this.file);
    } catch {
      // A read-only profile only loses the window's position.
    }
  }
}
