// A stage of Monaco's load (../monaco-setup.ts): the editor's view and the code editor widget on top of it.
import 'monaco-editor/editor/browser/view';
import 'monaco-editor/editor/browser/widget/codeEditor/codeEditorWidget';
