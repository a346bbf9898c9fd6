import fs from 'node:fs';
import { protocol, type Session } from 'electron';
import { contentTypeOf, openableFile, resolveStaticPath } from '../../engine/host/index.js';
import { APP_HOST, APP_SCHEME } from './app-url.js';

export { APP_HOST, APP_ORIGIN, APP_SCHEME, isAppUrl } from './app-url.js';

/**
 * Must run before the app is ready. `codeCache`: V8 keeps the code it compiled for the renderer's scripts, so the app
 * opens faster the next time (Electron enables it for http(s) only unless a standard scheme asks for it).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
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
