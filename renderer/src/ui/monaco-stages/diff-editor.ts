// A stage of Monaco's load (../monaco-setup.ts): the diff editor, a large part of what the editor API imports.
import 'monaco-editor/editor/browser/widget/diffEditor/diffEditorWidget';
