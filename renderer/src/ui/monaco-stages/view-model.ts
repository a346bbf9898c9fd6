// A stage of Monaco's load (../monaco-setup.ts): the editor's view model (lines, cursors, decorations).
import 'monaco-editor/editor/common/viewModel/viewModelImpl';
