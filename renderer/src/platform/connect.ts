import type { Disposable, PreloadBridge, Transport } from '../../../engine/contract/index.js';
import { BridgeTransport } from './bridge-transport.js';
import { WebSocketTransport, type ConnectionState } from './ws-transport.js';

declare global {
  interface Window {
    /** Present only inside Electron, exposed by the preload. */
    thingbench?: PreloadBridge;
  }
}

export interface Connection {
  transport: Transport;
  host: 'electron' | 'browser';
  state(): ConnectionState;
  onStateChange(cb: (state: ConnectionState) => void): Disposable;
}

const TOKEN_KEY = 'thingbench.token';

/**
 * Browser mode: the per-launch token arrives in the page URL (`?token=`). It is moved to session storage
 * and removed from the address bar, so a reload still works and the token is not shared by copying the URL.
 */
function takeToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Picks the host's transport; the rest of the UI only sees the contract's `Transport`. */
export function connect(): Connection | { error: 'missing-token' } {
  if (window.thingbench) {
    const transport = new BridgeTransport(window.thingbench);
    return { transport, host: 'electron', state: () => 'open', onStateChange: () => ({ dispose() {} }) };
  }
  const token = takeToken();
  if (!token) return { error: 'missing-token' };
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const transport = new WebSocketTransport(`${scheme}://${location.host}/rpc?token=${encodeURIComponent(token)}`);
  return { transport, host: 'browser', state: () => transport.state, onStateChange: (cb) => transport.onStateChange(cb) };
}
