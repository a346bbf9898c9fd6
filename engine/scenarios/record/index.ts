export { record, type CaptureSource, type RecordOptions, type RecordSource, type RecordSummary, type Recording, type TlsFiles, type MqttLogin } from './recorder.js';
export { replay, type ReplayOptions, type ReplaySummary } from './replayer.js';
export { encodeLine, parseRecording, readRecordingFile, MAX_REPORTED_ERRORS, type ParsedRecording, type RecordedMessage } from './recording-format.js';
export { systemReplayClock, VirtualReplayClock, type ReplayClock } from './replay-clock.js';
