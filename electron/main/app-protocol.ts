import fs from 'node:fs';
import { protocol, type Session } from 'electron';
import { contentTypeOf, openableFile, resolveStaticPath } from '../../engine/host/index.js';

/**
 * The renderer loads from `app://thingbench/`, not `file://` (Electron security checklist: custom protocol).
 * The page gets a real origin, and only files under the renderer build can be read through it.
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

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `root` (renderer/dist) on the app scheme with the renderer's CSP on every response. */
export function serveAppProtocol(session: Session, root: string, csp: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const candidate = url.host === APP_HOST ? resolveStaticPath(root, url.pathname) : null;
    const file = candidate && (await openableFile(root, candidate));
    if (!file) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    const body = await fs.promises.readFile(file.path);
    return new Response(new Uint8Array(body), {
      headers: { 'Content-Type': contentTypeOf(file.path), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
    });
  });
}
