import fs from 'node:fs';
import path from 'node:path';
import type { BrowserMode } from './browser-mode.js';

/** Screenshots of the page as it is, at 1280 and 900 px, light and dark (to look at, not to assert). */
export async function screens(bm: BrowserMode, dir: string, name: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    await bm.page.evaluate((t) => { document.documentElement.dataset.theme = t; }, theme);
    for (const width of [1280, 900]) {
      await bm.page.setViewportSize({ width, height: 800 });
      await bm.page.screenshot({ path: path.join(dir, `${name}-${width}-${theme}.png`) });
    }
  }
  await bm.page.setViewportSize({ width: 1280, height: 800 });
}
