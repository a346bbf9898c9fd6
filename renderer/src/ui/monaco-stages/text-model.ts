// A stage of Monaco's load (../monaco-setup.ts): the text model with the base libraries and platform services below it.
import 'monaco-editor/editor/common/model/textModel';
