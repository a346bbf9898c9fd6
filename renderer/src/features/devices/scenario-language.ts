/**
 * Scenario completion in Monaco: one provider for YAML models, answering only for the models a scenario editor
 * registered (with where its schema comes from), from `scenarioSuggestions`.
 */
import type * as MonacoApi from 'monaco-editor/editor/editor.api';
import type { Monaco } from '../../ui/monaco.js';
import { scenarioSuggestions } from '../../state/models/scenario-completion.js';

const schemas = new Map<string, () => Record<string, unknown> | null>();
let registered = false;

/** Completes `model` from the schema `schema()` gives; returns the function that forgets it. */
export function completeScenario(monaco: Monaco, model: MonacoApi.editor.ITextModel, schema: () => Record<string, unknown> | null): () => void {
  register(monaco);
  const key = model.uri.toString();
  schemas.set(key, schema);
  return () => { schemas.delete(key); };
}

function register(monaco: Monaco): void {
  if (registered) return;
  registered = true;
  monaco.languages.registerCompletionItemProvider('yaml', {
    triggerCharacters: [' ', ':', '{', ',', '-'],
    provideCompletionItems(model, position) {
      const schema = schemas.get(model.uri.toString())?.();
      if (!schema) return { suggestions: [] };
      const before = model.getValueInRange({ startLineNumber: 1, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column });
      const word = model.getWordUntilPosition(position);
      const line = model.getLineContent(position.lineNumber).slice(0, position.column - 1);
      const partial = /[\w.-]*$/.exec(line)![0];
      const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: position.column - partial.length, endColumn: Math.max(position.column, word.endColumn) };
      const kinds = { key: monaco.languages.CompletionItemKind.Property, step: monaco.languages.CompletionItemKind.Function, value: monaco.languages.CompletionItemKind.EnumMember, device: monaco.languages.CompletionItemKind.Variable };
      return {
        suggestions: scenarioSuggestions(schema, before, model.getValue()).map((s) => ({
          label: s.label, insertText: s.insert, kind: kinds[s.kind], range,
          ...(s.detail ? { detail: s.required ? `${s.detail} (required)` : s.detail } : {}),
          ...(s.documentation ? { documentation: s.documentation } : {}),
          sortText: `${s.required ? 0 : s.kind === 'step' ? 1 : 2}${s.label}`,
          ...(s.insert.endsWith(': ') ? { command: { id: 'editor.action.triggerSuggest', title: 'Suggest' } } : {}),
        })),
      };
    },
  });
}
