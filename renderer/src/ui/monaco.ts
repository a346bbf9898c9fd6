/** The Monaco API, typed, without loading it: `loadMonaco()` fetches it the first time an editor needs it. */
export type Monaco = typeof import('monaco-editor/editor/editor.api');

let loading: Promise<Monaco> | undefined;

export function loadMonaco(): Promise<Monaco> {
  loading ??= import('./monaco-setup.js').then((m) => m.monaco);
  return loading;
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
