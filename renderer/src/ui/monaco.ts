import { preloadListed } from '../lib/preload.js';

/** The Monaco API, typed, without loading it: `loadMonaco()` fetches it the first time an editor needs it. */
export type Monaco = typeof import('monaco-editor/editor/editor.api');

let loading: Promise<Monaco> | undefined;

export function loadMonaco(): Promise<Monaco> {
  loading ??= import('./monaco-setup.js').then((m) => m.load());
  return loading;
}

let preloaded = false;

/** Fetches Monaco's files into the cache while nothing needs them, so the first editor that opens only has to run them. */
export function preloadMonaco(): void {
  if (preloaded || loading) return;
  preloaded = true;
  preloadListed('monaco-preload.json');
}

/** One problem to underline in an editor: 1-based line and columns, as the engine's diagnostics give them. */
export interface EditorMarker {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  message: string;
  severity?: 'error' | 'warning' | 'info';
}
