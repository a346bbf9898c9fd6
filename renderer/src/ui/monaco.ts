/** The Monaco API, typed, without loading it: `loadMonaco()` fetches it the first time an editor needs it. */
export type Monaco = typeof import('monaco-editor/editor/editor.api');

let loading: Promise<Monaco> | undefined;

export function loadMonaco(): Promise<Monaco> {
  loading ??= import('./monaco-setup.js').then((m) => m.load());
  return loading;
}

let preloaded = false;

/**
 * Fetches Monaco's files into the cache (scripts compiled off the main thread, nothing run), from the list the build
 * writes: so the first editor that opens only has to run them. Without that list (the Vite dev server) it does
 * nothing.
 */
export function preloadMonaco(): void {
  if (preloaded || loading) return;
  preloaded = true;
  fetch('./monaco-preload.json').then((r) => (r.ok ? r.json() as Promise<string[]> : []), () => []).then((files) => {
    for (const file of files) {
      const link = document.createElement('link');
      if (file.endsWith('.css')) Object.assign(link, { rel: 'preload', as: 'style' });
      else link.rel = 'modulepreload';
      link.href = `./${file}`;
      document.head.append(link);
    }
  }, () => undefined);
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
