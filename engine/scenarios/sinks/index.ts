export { sinkKindAliases, sinkView } from './sink-view.js';
export { SinkCursors, candidateRecords, onSinkChange, requireSink, waitRealTime } from './sink-watch.js';
