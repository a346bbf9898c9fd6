/**
 * The renderer loads from `app://thingbench/`, not `file://` (Electron security checklist: custom protocol).
 * The page gets a real origin, and only files under the renderer build can be read through it (./app-protocol.ts).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'thingbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}
