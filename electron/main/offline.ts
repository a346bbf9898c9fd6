import { APP_SCHEME } from './app-url.js';

/**
 * The desktop app fetches nothing remotely: its page, scripts and styles come from the `app:` scheme, and the
 * contract travels over a MessagePort. Any other request a page makes (a remote image, a web font, a WebSocket) is
 * cancelled. `data:`, `blob:` and the developer tools stay allowed.
 */
export function isAllowedRequest(url: string): boolean {
  let scheme: string;
  try {
    scheme = new URL(url).protocol.slice(0, -1);
  } catch {
    return false;
  }
  return scheme === APP_SCHEME || scheme === 'data' || scheme === 'blob' || scheme === 'devtools';
}
