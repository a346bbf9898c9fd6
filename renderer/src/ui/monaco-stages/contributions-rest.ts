// A stage of Monaco's load (../monaco-setup.ts): every other contribution and the services they need, registered
// before the standalone services are made (languages.ts): the JSON language would load this later (its worker manager
// imports it), and every editor made from then on (a diff editor, a second editor) would log "depends on UNKNOWN
// service ICodeLensCache" and the like.
import 'monaco-editor/internal/common/workers';
