// A stage of Monaco's load (../monaco-setup.ts), the last: the languages the views use and the workers behind them (files under
// the CSP, no blobs).
import 'monaco-editor/language/json/monaco.contribution';
// YAML highlighting (Monarch, loaded with the first YAML model): scenario files.
import 'monaco-editor/languages/definitions/yaml/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};
