export { sinkKindAliases, sinkView } from './sink-view.js';
export { SinkCursors, candidateRecords, onSinkChange, requireSink } from './sink-watch.js';
