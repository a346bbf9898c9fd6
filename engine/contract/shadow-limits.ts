/**
 * AWS's limits on a shadow request document and the texts AWS answers with [GR; DG:device-shadow-error-messages,
 * diagnosing-shadows]: one copy, read by the Device Shadow service (engine/shadow) and by the UI's editor, which checks
 * a request before sending it.
 */
export const SHADOW_MAX_STATE_BYTES = 8 * 1024;
/** Levels inside `desired`/`reported`, the section object itself being level 1 ("maximum is 6"). */
export const SHADOW_MAX_DEPTH = 6;
export const SHADOW_MAX_CLIENT_TOKEN_BYTES = 64;

/** AWS's messages for a request document it refuses. */
export const shadowRequestMessages = {
  invalidJson: 'Invalid JSON',
  missingState: 'Missing required node: state',
  stateNotObject: 'State node must be an object',
  desiredNotObject: 'Desired node must be an object',
  reportedNotObject: 'Reported node must be an object',
  invalidVersion: 'Invalid version',
  invalidClientToken: 'Invalid clientToken',
  tooDeep: `JSON contains too many levels of nesting; maximum is ${SHADOW_MAX_DEPTH}`,
  invalidStateNode: 'State contains an invalid node',
  nullInArray: 'Invalid JSON: arrays cannot contain null values',
  tooLarge: 'The payload exceeds the maximum size allowed',
} as const;
