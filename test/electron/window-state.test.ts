import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_SIZE, MIN_SIZE, parseWindowState, readWindowState, restoreWindowState, WindowStateWriter, type Rect,
} from '../../electron/main/window-state.js';
import { tempDir } from '../helpers/temp-dirs.js';

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
const rightMonitor: Rect = { x: 1440, y: -200, width: 2560, height: 1415 };

describe('window size and position across launches', () => {
  it('a first launch gets the default size, centred by the OS, shrunk to a small screen', () => {
    expect(restoreWindowState(undefined, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    expect(restoreWindowState(undefined, [{ x: 0, y: 0, width: 1024, height: 700 }])).toEqual({ width: 1024, height: 700, maximized: false });
  });

  it('restores the saved bounds on the display they lie on, maximized or not', () => {
    const saved = { bounds: { x: 1600, y: 0, width: 1500, height: 1000 }, maximized: true };
    expect(restoreWindowState(saved, [laptop, rightMonitor])).toEqual({ x: 1600, y: 0, width: 1500, height: 1000, maximized: true });
  });

  it('moves a window hanging off the edge fully onto its display and shrinks one larger than it', () => {
    expect(restoreWindowState({ bounds: { x: 1000, y: 600, width: 1000, height: 600 }, maximized: false }, [laptop]))
      .toEqual({ x: 440, y: 275, width: 1000, height: 600, maximized: false });
    expect(restoreWindowState({ bounds: { x: -50, y: -20, width: 3000, height: 2000 }, maximized: false }, [laptop]))
      .toEqual({ x: 0, y: 0, width: 1440, height: 875, maximized: false });
  });

  it('a window left on a monitor that is gone opens on the primary display at the default size', () => {
    const onGoneMonitor = { bounds: { x: 2000, y: 100, width: 1200, height: 800 }, maximized: false };
    expect(restoreWindowState(onGoneMonitor, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    // A sliver of 10 px on screen counts as gone: the title bar could not be grabbed.
    const sliver = { bounds: { x: 1430, y: 100, width: 1200, height: 800 }, maximized: false };
    expect(restoreWindowState(sliver, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
  });

  it('never restores below the minimum size', () => {
    expect(restoreWindowState({ bounds: { x: 10, y: 10, width: 200, height: 100 }, maximized: false }, [laptop]))
      .toEqual({ x: 10, y: 10, ...MIN_SIZE, maximized: false });
  });

  it('ignores a damaged or foreign state file', () => {
    for (const text of ['', '{', 'null', '[]', '{"bounds":{"x":1,"y":2,"width":"wide","height":3}}', '{"bounds":{"x":1,"y":2,"width":0,"height":3}}', '{"bounds":{"x":1e999,"y":2,"width":5,"height":3}}']) {
      expect(parseWindowState(text)).toBeUndefined();
    }
    expect(parseWindowState('{"bounds":{"x":1,"y":2,"width":800,"height":600},"maximized":"yes"}'))
      .toEqual({ bounds: { x: 1, y: 2, width: 800, height: 600 }, maximized: false });
  });

  it('writes debounced while moving, at once on close, and reads back what it wrote', async () => {
    const file = path.join(tempDir('tb-window-'), 'profile', 'window-state.json');
    expect(readWindowState(file)).toBeUndefined();
    vi.useFakeTimers();
    try {
      const writer = new WindowStateWriter(file, 500);
      writer.schedule({ bounds: { x: 1, y: 1, width: 900, height: 700 }, maximized: false });
      writer.schedule({ bounds: { x: 2, y: 2, width: 900, height: 700 }, maximized: false });
      expect(fs.existsSync(file)).toBe(false);
      vi.advanceTimersByTime(500);
      expect(readWindowState(file)).toEqual({ bounds: { x: 2, y: 2, width: 900, height: 700 }, maximized: false });
      writer.schedule({ bounds: { x: 3, y: 3, width: 900, height: 700 }, maximized: false });
      writer.flush({ bounds: { x: 4, y: 4, width: 1000, height: 700 }, maximized: true });
      expect(readWindowState(file)).toEqual({ bounds: { x: 4, y: 4, width: 1000, height: 700 }, maximized: true });
      vi.advanceTimersByTime(1000);
      expect(readWindowState(file)).toEqual({ bounds: { x: 4, y: 4, width: 1000, height: 700 }, maximized: true });
      expect(fs.readdirSync(path.dirname(file))).toEqual(['window-state.json']);
    } finally {
      vi.useRealTimers();
    }
  });
});
