// Loaded only through `loadMonaco()`: Monaco, its JSON language and its workers (files under the CSP, no blobs).
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/language/json/monaco.contribution';
// YAML highlighting (Monarch, loaded with the first YAML model): scenario files.
import 'monaco-editor/languages/definitions/yaml/register';
// Every editor contribution and the services they need, registered before the first editor exists: the JSON language
// would load this later (its worker manager imports it), after the standalone services were made, and every editor
// made from then on (a diff editor, a second editor) would log "depends on UNKNOWN service ICodeLensCache" and the like.
import 'monaco-editor/internal/common/workers';
// The editor API alone has no completion list, hovers or snippets: the contributions views rely on.
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/contrib/snippet/browser/snippetController2';
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/language/json/json.worker?worker';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) => (label === 'json' ? new JsonWorker() : new EditorWorker()),
};

export { monaco };
