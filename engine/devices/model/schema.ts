/**
 * The device model file's JSON Schema (draft-07), the source of `schemas/device-model.schema.json` (a test keeps the
 * published file identical; regenerate it with `npx tsx engine/devices/model/write-schema.ts`). Descriptions are what
 * editors show while completing a model file.
 */

type Schema = Record<string, unknown>;
const d = (description: string, s: Schema): Schema => ({ description, ...s });
const str = (description: string): Schema => d(description, { type: 'string' });
const num = (description: string): Schema => d(description, { type: 'number' });
const int = (description: string, minimum = 0): Schema => d(description, { type: 'integer', minimum });
const bool = (description: string): Schema => d(description, { type: 'boolean' });
const prob = (description: string): Schema => d(description, { type: 'number', minimum: 0, maximum: 1 });
const template = (description: string): Schema => d(`${description} Template: {expr} is replaced by the expression's value, {{ and }} are literal braces.`, { type: 'string' });
const expression = (description: string): Schema => d(`${description} Expression: arithmetic, comparisons, && || !, c ? a : b, abs ceil floor round sqrt pow exp log sin cos min max clamp pad str num.`, { type: 'string', minLength: 1 });
const duration = (description: string): Schema => d(`${description} A duration: milliseconds as a number, or a string such as 250ms, 5s, 2m, 1h.`, {
  type: ['number', 'string'], minimum: 0, pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*$',
});
const obj = (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema => ({
  ...(description ? { description } : {}), type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false,
});
const qos = d('MQTT QoS: 0 or 1 (AWS IoT Core does not support QoS 2).', { enum: [0, 1] });
const latLon = obj({ lat: d('Latitude, degrees.', { type: 'number', minimum: -90, maximum: 90 }), lon: d('Longitude, degrees.', { type: 'number', minimum: -180, maximum: 180 }) }, ['lat', 'lon']);
const fieldRef = { $ref: '#/definitions/field' };
const fieldMap = d('Payload fields by name, in order; each a generator or a literal value.', { type: 'object', additionalProperties: fieldRef });

const common: Record<string, Schema> = {
  static: bool('Compute the value once per device and keep it (per-device variation that does not change).'),
  precision: d('Decimal places for numeric values.', { type: 'integer', minimum: 0, maximum: 15 }),
  description: str('A note for humans; ignored.'),
};
const wave = { period: duration('Length of one period.'), amplitude: num('Half the peak-to-peak height (default 1).'), offset: num('Centre value (default 0).'), phase: num('Phase as a fraction of a period (default 0).'), phaseSpread: prob('Adds a seeded per-device phase in [0, phaseSpread), so a fleet does not move in lockstep (default 0).') };

const generators: [string, string, Record<string, Schema>, string[]][] = [
  ['constant', 'Always the same value.', { value: d('The value (any JSON).', {}) }, ['value']],
  ['counter', 'start, start + step, … per sample.', { start: num('First value (default 0).'), step: num('Increment (default 1).'), wrapAt: num('Start again at `start` on reaching this value.') }, []],
  ['uuid', 'A random (seeded) version 4 UUID per sample.', {}, []],
  ['id', 'A random id: prefix and `length` characters from `alphabet`.', { prefix: str('Text before the random part.'), length: d('Random characters (default 8).', { type: 'integer', minimum: 1, maximum: 1024 }), alphabet: d('Characters to draw from (default 0-9a-z).', { type: 'string', minLength: 1 }) }, []],
  ['pick', 'One of `values`, optionally weighted.', { values: d('The choices.', { type: 'array', minItems: 1 }), weights: d('Relative weights, one per value.', { type: 'array', items: { type: 'number', minimum: 0 } }) }, ['values']],
  ['int', 'A uniform integer in [min, max].', { min: num('Smallest value.'), max: num('Largest value.') }, ['min', 'max']],
  ['float', 'A uniform number in [min, max); use precision for decimals.', { min: num('Smallest value.'), max: num('Largest value.') }, ['min', 'max']],
  ['bool', 'true with `probability`.', { probability: prob('Chance of true (default 0.5).') }, []],
  ['timestamp', 'The virtual clock time.', { format: d('epoch-ms (default), epoch-s or iso.', { enum: ['epoch-ms', 'epoch-s', 'iso'] }) }, []],
  ['walk', 'A random walk between bounds.', { min: num('Lower bound.'), max: num('Upper bound.'), step: d('Largest change per sample.', { type: 'number', minimum: 0 }), start: num('First value (default mid-range).') }, ['min', 'max', 'step']],
  ['sine', 'offset + amplitude × sin(2π (elapsed / period + phase)).', wave, ['period']],
  ['square', 'offset + amplitude for the first half of each period, offset − amplitude for the second.', wave, ['period']],
  ['triangle', 'A triangle wave: 0 at the start of a period, +1 at a quarter, −1 at three quarters (× amplitude, + offset).', wave, ['period']],
  ['sawtooth', 'A sawtooth: 0 at the start of a period, rising to +1 at the half, then from −1 (× amplitude, + offset).', wave, ['period']],
  ['ramp', 'Linear from `from` to `to` over `duration`, then holds (or repeats).', { from: num('Start value.'), to: num('End value.'), duration: duration('Time to go from `from` to `to`.'), repeat: bool('Start again after `duration` (default false).') }, ['from', 'to', 'duration']],
  ['decay', 'to + (from − to) × 2^(−elapsed / halfLife).', { from: num('Start value.'), to: num('Value it decays towards.'), halfLife: duration('Time to halve the distance to `to`.') }, ['from', 'to', 'halfLife']],
  ['step', 'Holds a level for `every`, then changes to the next of `values`.', { values: d('The levels.', { type: 'array', minItems: 1 }), every: duration('How long each level holds.'), order: d('cycle (default): in order; random: a seeded random level each time.', { enum: ['cycle', 'random'] }) }, ['values', 'every']],
  ['spike', '`base` plus, with `probability` per sample, `magnitude`.', { base: fieldRef, probability: prob('Chance of a spike per sample.'), magnitude: num('Size of a spike.'), direction: d('up, down or both (default up).', { enum: ['up', 'down', 'both'] }) }, ['base', 'probability', 'magnitude']],
  ['anomaly', '`base`, replaced by `value` with `probability` per sample.', { base: fieldRef, probability: prob('Chance of an anomaly per sample.'), value: d('The anomalous value (default null).', {}) }, ['base', 'probability']],
  ['geo', 'A random point within `radius` metres of `center`: {lat, lon}.', { center: latLon, radius: d('Radius in metres.', { type: 'number', minimum: 0 }) }, ['center', 'radius']],
  ['route', 'The position moving along `points` at `speed`: {lat, lon}.', { points: d('The route, at least two points.', { type: 'array', items: latLon, minItems: 2 }), speed: d('Metres per second.', { type: 'number', minimum: 0 }), loop: bool('Start over at the end (default true).') }, ['points', 'speed']],
  ['object', 'A nested object.', { fields: fieldMap }, ['fields']],
  ['array', 'An array of `items`; length fixed or random between minLength and maxLength.', { items: fieldRef, length: d('Exact length.', { type: 'integer', minimum: 0, maximum: 10000 }), minLength: d('Shortest length.', { type: 'integer', minimum: 0, maximum: 10000 }), maxLength: d('Longest length.', { type: 'integer', minimum: 0, maximum: 10000 }) }, ['items']],
  ['expr', 'An expression over the message\'s other top-level fields, deviceIndex, thingName, attributes, vars, t and elapsed.', { expr: expression('The expression.') }, ['expr']],
  ['thingName', 'The device\'s thing name.', {}, []],
  ['attribute', 'One of the device\'s thing attributes.', { name: str('Attribute name.') }, ['name']],
  ['replay', 'One row per sample from a CSV (with a header) or JSON-lines file.', { file: str('Path relative to the model file (.csv, .jsonl or .ndjson).'), column: str('Column or key to take (default: the whole row).'), loop: bool('Start over at the end (default true; otherwise null after the last row).'), stride: int('Device n starts stride × n rows in (default 0).') }, ['file']],
];
export const GENERATOR_NAMES: readonly string[] = generators.map(([g]) => g);

const fieldSchema: Schema = {
  description: `A generator ({gen: ${GENERATOR_NAMES.join(' | ')}, …}) or a literal value (string, number, boolean, null).`,
  type: ['object', 'string', 'number', 'boolean', 'null'],
  if: { type: 'object' },
  then: {
    type: 'object', required: ['gen'], discriminator: { propertyName: 'gen' },
    properties: { gen: { type: 'string', description: `The generator: ${GENERATOR_NAMES.join(', ')}.` } },
    oneOf: generators.map(([gen, description, props, required]) => ({
      description,
      properties: { gen: { const: gen, description }, ...common, ...props },
      required: ['gen', ...required],
      additionalProperties: false,
    })),
  },
};

const certificate: Schema = {
  description: 'The client certificate: none, provision (create one at start), or {existing: <certificate id>}.',
  type: ['string', 'object'],
  if: { type: 'string' },
  then: { enum: ['none', 'provision'] },
  else: obj({ existing: d('The certificate id (64 hex digits).', { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }) }, ['existing']),
};

const telemetry = obj({
  name: str('A label for logs and state-machine `publish` actions.'),
  topic: template('Topic; sees the device context and this message\'s field values.'),
  interval: duration('Publish this often (one of interval or schedule).'),
  schedule: d('Cron-like schedule in UTC: sec min hour day-of-month month day-of-week (or five fields without seconds); each *, n, a-b, a,b or */n.', { type: 'string' }),
  offset: duration('Delay before the first publish (default 0).'),
  spread: duration('Spread a fleet\'s first publishes uniformly (seeded) over this time (default 0).'),
  qos,
  retain: bool('Retain flag (default false).'),
  when: expression('Publish only while this is true; also sees `shadow` (the reported state) and `state`.'),
  inStates: d('Publish only while the state machine is in one of these states.', { type: 'array', items: { type: 'string' }, minItems: 1 }),
  fields: fieldMap,
}, ['topic', 'fields'], 'A message the device publishes on a schedule.');

export const deviceModelSchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://thingbench.dev/schemas/device-model.schema.json',
  title: 'Thingbench device model',
  description: 'A virtual device: identity, connection, telemetry from seeded generators, shadow behaviour, commands and a small state machine.',
  ...obj({
    name: d('Model name.', { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' }),
    description: str('What the device is.'),
    identity: obj({
      thingName: template('Thing name (default {model}-{index}).'),
      clientId: template('MQTT client id (default {thingName}).'),
      thingType: d('Thing type name.', { type: 'string', pattern: '^[a-zA-Z0-9:_-]+$' }),
      attributes: d('Thing attributes; string values are templates.', { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } }),
      certificate,
      policy: d('With certificate: provision, the policy attached to each device\'s certificate: the name of an existing policy, or a policy document (created as thingbench-<model>). Default: a least-privilege policy created as thingbench-<model>-device (connect as its own thing name, publish, subscribe and receive only its own topics and shadows).', {
        type: ['string', 'object'],
        if: { type: 'string' },
        then: { pattern: '^[\\w+=,.@-]{1,128}$' },
        else: obj({
          Version: str('Policy language version (2012-10-17).'),
          Statement: d('Statements: Effect, Action, Resource (AWS IoT policy grammar).', { type: 'array', minItems: 1, items: { type: 'object' } }),
        }, ['Statement']),
      }),
    }, [], 'Who the device is.'),
    vars: d('Per-device variables, each a template evaluated once per device in order; later templates see them by name.', { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } }),
    protocol: obj({
      transport: d('mqtt: TCP; mqtts: mutual TLS; ws: MQTT over WebSocket (default mqtt); coap: CoAP requests with the thing\'s device token; https: HTTPS requests with the device\'s certificate (a CoAP or HTTPS device only asks: one request per message).', { enum: ['mqtt', 'mqtts', 'ws', 'coap', 'https'] }),
      version: d('MQTT version: 4 (3.1.1, default) or 5.', { enum: [4, 5] }),
      keepAlive: int('Keep-alive in seconds (default 60; AWS IoT Core allows 30–1200, 0 disables).'),
      cleanSession: bool('Clean session / clean start (default true); false keeps a persistent session.'),
      sessionExpiry: int('MQTT 5 session expiry interval, seconds.'),
      reconnect: obj({
        enabled: bool('Reconnect after a lost connection (default true).'),
        min: duration('First back-off delay (default 1s).'),
        max: duration('Largest back-off delay (default 30s).'),
        factor: d('Back-off growth per attempt (default 2).', { type: 'number', minimum: 1 }),
        jitter: prob('Fraction of the delay drawn at random around it (default 0.2).'),
      }, [], 'Exponential back-off with jitter.'),
      offlineBuffer: int('Publishes held while offline and sent on reconnect (default 100, 0 drops them).'),
      confirmable: bool('coap: confirmable requests (default true); false sends them non-confirmable.'),
      ttd: duration('coap, https: how long each telemetry request waits in its response for a command (hono-ttd); the device does not ask without it.'),
    }, [], 'How the device connects.'),
    will: obj({
      topic: template('Last will topic.'),
      payload: d('A template string, or an object whose string values are templates (sent as JSON).', { type: ['string', 'object'] }),
      qos, retain: bool('Retain flag (default false).'),
      delay: int('MQTT 5 will delay interval, seconds.'),
    }, ['topic', 'payload'], 'Published by the broker when the device drops.'),
    telemetry: d('Messages the device publishes.', { type: 'array', items: telemetry }),
    shadow: obj({
      name: str('Named shadow (default: the classic shadow).'),
      initial: d('Reported state at start; string values are templates.', { type: 'object' }),
      reportOnConnect: bool('Report the state after each connect (default true).'),
      markConnected: bool('Report connected: true on connect, and false through the will (default false).'),
      onDelta: obj({
        action: d('apply (default): report the delta\'s keys; refuse: report nothing; partial: apply only `keys`.', { enum: ['apply', 'refuse', 'partial'] }),
        delay: duration('Time before applying (default 0).'),
        keys: d('The keys `partial` applies.', { type: 'array', items: { type: 'string' } }),
      }, [], 'What the device does with shadow/update/delta.'),
    }, [], 'Device Shadow behaviour.'),
    jobs: obj({
      operations: d('Document `operation` values the device runs; other documents are REJECTED (default [firmware-update]; an AWS OTA `afr_ota` document counts as firmware-update).', { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }),
      applyDelay: duration('Time between the download and the outcome (default 2s).'),
      failureProbability: prob('Chance that applying fails and the execution ends FAILED (default 0); seeded by the fleet seed, device index, job id and execution number.'),
      progressReports: d('IN_PROGRESS updates while downloading, at evenly spaced fractions of the bytes (default 1; 0 reports only the steps).', { type: 'integer', minimum: 0, maximum: 20 }),
      requireSignature: bool('REJECT documents whose files carry no signature (default false).'),
      blockSize: d('Block size of MQTT stream downloads in bytes (default 4096).', { type: 'integer', minimum: 256, maximum: 131072 }),
      maxFileSize: d('Largest file the device downloads, bytes (default 16 MiB); a larger one ends FAILED.', { type: 'integer', minimum: 1, maximum: 1073741824 }),
      downloadTimeout: duration('A file download that takes longer ends FAILED (default 60s).'),
      report: d('Reported shadow state after a success; string values are templates that also see `document` (the job document), `jobId` and `shadow` (the reported state before).', { type: 'object' }),
    }, [], 'AWS IoT Jobs: take the next job execution, download and verify its files, report progress, apply, then SUCCEEDED, FAILED or REJECTED.'),
    awsCommands: obj({
      operations: d("The request's `operation` (or `action`) values the device runs; other requests are REJECTED (default: any request).", { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true }),
      inProgress: bool('Report IN_PROGRESS as soon as a request arrives (default true).'),
      delay: duration('Time between the request and the outcome (default 500ms).'),
      failureProbability: prob('Chance that an execution ends FAILED (default 0); seeded by the fleet seed, device index and execution id.'),
      rejectProbability: prob('Chance that an execution is REJECTED at once (default 0); seeded like failureProbability.'),
      result: d('The result of a SUCCEEDED execution: string values are templates that also see `request` (the decoded request) and `executionId`; booleans stay booleans.', { type: 'object' }),
    }, [], 'AWS IoT Commands: answer requests on $aws/commands/things/{thingName}/executions/+/request with IN_PROGRESS, then SUCCEEDED, FAILED or REJECTED.'),
    commands: d('Requests the device answers.', {
      type: 'array',
      items: obj({
        name: str('Command name.'),
        requestTopic: template('Topic filter the device subscribes to (MQTT devices; a CoAP or HTTPS device gets commands by name, by ttd).'),
        replyTopic: template('Reply topic; also sees `request` (the request payload). An MQTT 5 response topic wins. MQTT devices only.'),
        correlation: d('payload (default): copy `correlateField` from request to reply; mqtt5: echo the correlation data; none.', { enum: ['payload', 'mqtt5', 'none'] }),
        correlateField: str('The request field carrying the correlation id (default requestId).'),
        reply: fieldMap,
        delay: duration('Time before replying (default 0).'),
      }, ['name']),
    }),
    stateMachine: obj({
      initial: str('The first state.'),
      states: d('State names.', { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true }),
      transitions: d('Transitions, tried in order.', {
        type: 'array',
        items: obj({
          from: str('State name, or * for any.'),
          to: str('State name.'),
          on: obj({
            message: template('Topic filter: a message on it triggers the transition.'),
            delta: d('A shadow delta triggers it: true for any, or the key that must be in the delta.', { type: ['boolean', 'string'] }),
            timer: duration('Time in the `from` state after which it triggers.'),
          }, [], 'The trigger: exactly one of message, delta, timer.'),
          when: expression('Guard; also sees `shadow`, `state`, and `message` or `delta`.'),
          publish: d('Telemetry names to publish once on the transition.', { type: 'array', items: { type: 'string' } }),
        }, ['from', 'to', 'on']),
      }),
    }, ['initial', 'states'], 'A small state machine.'),
  }, ['name']),
  definitions: { field: fieldSchema },
};
