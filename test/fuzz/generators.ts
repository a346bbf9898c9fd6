/** Shared fast-check generators: topics, MQTT packets and byte streams, JSON documents, SQL, policies, HTTP requests. */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';

// ── text ──────────────────────────────────────────────────────────────────────

/** Strings that reach parsers' corners: empty, unicode, control characters, NUL, quotes, separators, long runs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', '/', '//', '#', '+', '$', '$aws', '..', '%', '%2F', '%ZZ', '\\', "'", '"', '{}', '[]', 'null',
    '\uD800', '\uFFFF', '😀', 'a'.repeat(300), '/'.repeat(120), 'é'.repeat(100), '__proto__', 'constructor', 'toString'),
);

const level = fc.oneof(fc.constantFrom('a', 'b', 'sensor', 'fz', 'x y', '😀', 'é'), fc.string({ minLength: 1, maxLength: 8 }).filter((l) => !/[/#+\u0000]/.test(l)));

const badTopic: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom('a', 'b', 'sensor', '', '+', '#', '$aws', 'things', 'shadow', 'x y', '😀'), nastyString), { minLength: 1, maxLength: 10 })
    .map((levels) => levels.join('/')),
  fc.constantFrom('$aws/things/fz/shadow/update', '$aws/things/fz/shadow/get', '$aws/things/fz/shadow/delete',
    '$aws/things/fz/shadow/name/n1/update', '$aws/rules/fz_rule/x', '$aws/events/presence/connected/x', '$SYS/x',
    'a/'.repeat(110) + 'a', 'fz/canary', 'fz/#', '#', '+/+', 'a/#/b', 'a+', ''),
  nastyString,
);

/** MQTT topic names and filters: mostly ones AWS IoT accepts (so a stream goes on), some that it refuses. */
export const topic: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(level, { minLength: 1, maxLength: 5 }).map((levels) => levels.join('/')) },
  { weight: 2, arbitrary: fc.tuple(fc.array(level, { minLength: 0, maxLength: 4 }), fc.constantFrom('#', '+', '+/x')).map(([l, w]) => [...l, w].join('/')) },
  { weight: 3, arbitrary: badTopic },
);

// ── JSON ─────────────────────────────────────────────────────────────────────

/** Any JSON value, sometimes deep or wide. */
export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d)) as unknown) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))) },
);

/** Text that is JSON, almost JSON, or bytes. */
export const jsonishText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: jsonValue.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: jsonValue.chain((v) => mutateText(JSON.stringify(v))) },
  { weight: 1, arbitrary: nastyString },
);

/** A text with some characters deleted, replaced or inserted. */
export function mutateText(text: string): fc.Arbitrary<string> {
  return fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    let t = text;
    for (const [at, kind, s] of edits) {
      const i = t.length ? at % (t.length + 1) : 0;
      t = kind === 'del' ? t.slice(0, i) + t.slice(i + 1) : kind === 'ins' ? t.slice(0, i) + s + t.slice(i) : t.slice(0, i) + s + t.slice(i + s.length);
    }
    return t;
  });
}

/** Shadow update documents: well-formed, with odd state, and not documents at all. */
export const shadowDocument: fc.Arbitrary<string> = fc.oneof(
  fc.record({
    state: fc.oneof(
      fc.record({ desired: fc.oneof(jsonValue, fc.constant(null)), reported: fc.oneof(jsonValue, fc.constant(null)) }, { requiredKeys: [] }),
      jsonValue, fc.constant(null)),
    version: fc.oneof(fc.nat(), fc.integer(), fc.double(), nastyString),
    clientToken: fc.oneof(nastyString, fc.string({ minLength: 60, maxLength: 80 })),
  }, { requiredKeys: [] }).map((d) => JSON.stringify(d)),
  jsonishText,
);

// ── MQTT ─────────────────────────────────────────────────────────────────────

const clientId = fc.oneof(fc.constantFrom('fz-a', 'fz-b', '', 'fz-canary'), nastyString);
const payload = fc.oneof(fc.uint8Array({ maxLength: 64 }), jsonishText.map((t) => Buffer.from(t)), fc.constant(Buffer.from('null')),
  fc.integer({ min: 60_000, max: 140_000 }).map((n) => Buffer.alloc(n, 0x61)));
// QoS 2 is rarer: AWS IoT mode drops it (and a stream that uses it says little more after that).
const qos = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(2) }) as fc.Arbitrary<0 | 1 | 2>;
const id = fc.integer({ min: 0, max: 65535 });

/** One MQTT 3.1.1 packet as mqtt-packet describes it (some of them illegal: mqtt-packet encodes what it can). */
export const mqttPacketObject: fc.Arbitrary<mqttPacket.Packet> = fc.oneof(
  fc.record({ cmd: fc.constant('connect'), protocolId: fc.constantFrom('MQTT', 'MQIsdp', 'XX'), protocolVersion: fc.constantFrom(3, 4, 5, 9),
    clean: fc.boolean(), keepalive: fc.integer({ min: 0, max: 65535 }), clientId,
    username: fc.option(nastyString, { nil: undefined }), password: fc.option(fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), { nil: undefined }),
    will: fc.option(fc.record({ topic, payload: payload.map((p) => Buffer.from(p)), qos, retain: fc.boolean() }), { nil: undefined }) }),
  { weight: 3, arbitrary: fc.record({ cmd: fc.constant('publish'), topic, payload: payload.map((p) => Buffer.from(p)), qos, retain: fc.boolean(), dup: fc.boolean(), messageId: id }) },
  // [MQTT-3.8.1-1] [MQTT-3.10.1-1] [MQTT-3.6.1-1]: SUBSCRIBE, UNSUBSCRIBE and PUBREL carry flags 0010 (mqtt-packet writes `qos`).
  { weight: 2, arbitrary: fc.record({ cmd: fc.constant('subscribe'), qos: fc.constant(1), messageId: id, subscriptions: fc.array(fc.record({ topic, qos }), { minLength: 1, maxLength: 4 }) }) },
  fc.record({ cmd: fc.constant('unsubscribe'), qos: fc.constant(1), messageId: id, unsubscriptions: fc.array(topic, { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubcomp'), messageId: id }),
  fc.record({ cmd: fc.constant('pubrel'), qos: fc.constant(1), messageId: id }),
  fc.record({ cmd: fc.constant('pingreq') }),
  // What only a server sends, and a clean DISCONNECT: each ends the connection.
  { weight: 1, arbitrary: fc.record({ cmd: fc.constantFrom('disconnect', 'pingresp', 'connack', 'suback', 'unsuback'), messageId: id }) },
) as fc.Arbitrary<mqttPacket.Packet>;

function encode(p: mqttPacket.Packet, protocolVersion: 4 | 5 = 4): Buffer {
  try {
    return mqttPacket.generate(p, { protocolVersion });
  } catch {
    return Buffer.alloc(0); // mqtt-packet refused it (illegal combination): nothing is sent for it
  }
}

const validConnect = clientId.map((c) => encode({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: `fz-${c.length % 7}` } as mqttPacket.IConnectPacket));

/** Byte mutations: flip, overwrite, insert, truncate. */
function mutateBytes(b: Buffer): fc.Arbitrary<Buffer> {
  return fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'set', 'ins', 'cut'), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    let out = Buffer.from(b);
    for (const [at, kind, byte] of edits) {
      const i = out.length ? at % out.length : 0;
      if (kind === 'flip' && out.length) out[i] ^= byte || 1;
      else if (kind === 'set' && out.length) out[i] = byte;
      else if (kind === 'ins') out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
      else if (kind === 'cut') out = out.subarray(0, i);
    }
    return out;
  });
}

/** What follows an MQTT 3.1.1 CONNECT: packets, some mutated, or a large PUBLISH and one more packet. */
const streamParts = fc.oneof(
  { weight: 5, arbitrary: fc.array(mqttPacketObject.map((p) => encode(p)).chain((b) => fc.oneof({ weight: 8, arbitrary: fc.constant(b) }, { weight: 1, arbitrary: mutateBytes(b) })), { maxLength: 6 }) },
  // A large PUBLISH followed by more packets in the same write, before CONNACK: queues grow while CONNECT is handled.
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20_000, max: 140_000 }), topic, mqttPacketObject).map(([size, t, next]) => [
    encode({ cmd: 'publish', topic: t, payload: Buffer.alloc(size, 0x61), qos: 0, retain: false, dup: false } as mqttPacket.IPublishPacket), encode(next)]) },
);

const userProperties = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })), { maxKeys: 2 });

/** MQTT 5 packets with properties (encoded as MQTT 5), some of them odd: topic aliases, zero receive maximum, … */
const mqtt5Packet: fc.Arbitrary<mqttPacket.Packet> = fc.oneof(
  fc.record({ cmd: fc.constant('publish'), topic: fc.oneof(topic, fc.constant('')), payload: payload.map((p) => Buffer.from(p)), qos, retain: fc.boolean(), dup: fc.boolean(), messageId: id,
    properties: fc.record({ topicAlias: fc.integer({ min: 0, max: 70_000 }), messageExpiryInterval: fc.nat(), payloadFormatIndicator: fc.boolean(),
      contentType: nastyString, responseTopic: topic, correlationData: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), userProperties }, { requiredKeys: [] }) }),
  fc.record({ cmd: fc.constant('subscribe'), qos: fc.constant(1), messageId: id, subscriptions: fc.array(fc.record({ topic, qos, nl: fc.boolean(), rap: fc.boolean(), rh: fc.constantFrom(0, 1, 2) }), { minLength: 1, maxLength: 3 }),
    properties: fc.record({ subscriptionIdentifier: fc.integer({ min: 0, max: 300_000_000 }), userProperties }, { requiredKeys: [] }) }),
  fc.record({ cmd: fc.constant('unsubscribe'), qos: fc.constant(1), messageId: id, unsubscriptions: fc.array(topic, { minLength: 1, maxLength: 3 }) }),
  fc.record({ cmd: fc.constant('disconnect'), reasonCode: fc.constantFrom(0, 4, 0x80, 0x8e), properties: fc.record({ sessionExpiryInterval: fc.nat(), reasonString: nastyString }, { requiredKeys: [] }) }),
  fc.record({ cmd: fc.constant('auth'), reasonCode: fc.constantFrom(0, 0x18, 0x19), properties: fc.record({ authenticationMethod: nastyString }, { requiredKeys: [] }) }),
  fc.record({ cmd: fc.constantFrom('puback', 'pubrec', 'pubrel', 'pubcomp'), messageId: id, reasonCode: fc.constantFrom(0, 0x10, 0x80, 0x92) }),
  fc.record({ cmd: fc.constant('pingreq') }),
) as fc.Arbitrary<mqttPacket.Packet>;

const mqtt5Connect = fc.record({ clientId, clean: fc.boolean(), keepalive: fc.integer({ min: 0, max: 600 }),
  properties: fc.record({ sessionExpiryInterval: fc.nat(), receiveMaximum: fc.integer({ min: 0, max: 65535 }), maximumPacketSize: fc.integer({ min: 0, max: 300_000 }),
    topicAliasMaximum: fc.integer({ min: 0, max: 65535 }), requestResponseInformation: fc.boolean(), requestProblemInformation: fc.boolean(), userProperties }, { requiredKeys: [] }),
  will: fc.option(fc.record({ topic, payload: payload.map((p) => Buffer.from(p)), qos, retain: fc.boolean(), properties: fc.record({ willDelayInterval: fc.nat({ max: 10 }) }, { requiredKeys: [] }) }), { nil: undefined }),
}).map((c) => encode({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, ...c, clientId: c.clientId ? `fz5-${c.clientId.length % 7}` : '' } as mqttPacket.IConnectPacket, 5));

/** An MQTT 5 client's byte stream: CONNECT with properties, then MQTT 5 packets (sometimes mutated), split like the rest. */
const mqtt5Stream = fc.record({
  connect: mqtt5Connect,
  rest: fc.array(mqtt5Packet.map((p) => encode(p, 5)).chain((b) => fc.oneof({ weight: 3, arbitrary: fc.constant(b) }, { weight: 1, arbitrary: mutateBytes(b) })), { maxLength: 6 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
}).map(({ connect, rest, cuts }) => ({ bytes: Buffer.concat([connect, ...rest]), cuts }));

const mqtt3Stream = fc.record({
  connect: fc.oneof({ weight: 4, arbitrary: validConnect }, { weight: 1, arbitrary: mqttPacketObject.map(encode) }, { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) }),
  rest: streamParts,
  garbage: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }).map((u) => Buffer.from(u)) }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
}).map(({ connect, rest, garbage, cuts }) => ({ bytes: Buffer.concat([connect, ...rest, ...(garbage ? [garbage] : [])]), cuts }));

/**
 * A client's whole byte stream (MQTT 3.1.1 or 5), split into the chunks it is written in: usually a valid CONNECT
 * first (sometimes not), then packets (sometimes mutated), all sent at once before any CONNACK could arrive.
 */
// The broker speaks MQTT 3.1.1 (README: MQTT 5 is refused at CONNECT), so MQTT 5 streams mostly test that refusal.
export const mqttStream: fc.Arbitrary<{ bytes: Buffer; cuts: number[] }> = fc.oneof({ weight: 5, arbitrary: mqtt3Stream }, { weight: 1, arbitrary: mqtt5Stream })
  .map(({ bytes, cuts }) => ({ bytes, cuts: [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b) }));

// ── SQL ──────────────────────────────────────────────────────────────────────

const SQL_FUNCTIONS = ['abs', 'concat', 'replace', 'regexp_matches', 'regexp_replace', 'regexp_substr', 'lpad', 'rpad', 'upper', 'lower',
  'substring', 'length', 'get', 'encode', 'decode', 'cast', 'topic', 'timestamp', 'md5', 'sha256', 'parse_time', 'transform', 'isNull',
  'indexof', 'trim', 'chr', 'time_to_epoch', 'mod', 'power', 'round', 'sqrt', 'nanvl', 'newuuid', 'clientid', 'numbytes', 'get_or_default', 'bitand', 'nosuchfn'];

const sqlLiteral = fc.oneof(
  fc.integer().map(String), fc.double({ noNaN: true }).map((d) => String(d)), fc.constantFrom('TRUE', 'FALSE', 'NULL', '*'),
  nastyString.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`),
  fc.constantFrom("'(a+)+$'", "'(a|aa)+'", "'(a)\\\\1'", "'a++'", "'(?=x)'", "'[a-z&&[^b]]'", "'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!'", "'base64'", "'%s'",
    `'${'dM'.repeat(30)}'`, `'${'1'.repeat(90)}x'`, "'yyyy-MM-dd HH:mm:ss'"),
  fc.constantFrom('a', 'b.c', 'd[0]', 'state.reported', '@v', 'x.y.z'),
);

/** SQL expressions from a small grammar: literals, fields, operators, calls, CASE, literals of objects and arrays. */
export const sqlExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    sqlLiteral,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '%', '=', '<>', '<', '>=', 'AND', 'OR'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom('NOT ', '-', '('), tie('e')).map(([p, a]) => (p === '(' ? `(${a})` : `${p}${a}`)),
    fc.tuple(fc.constantFrom(...SQL_FUNCTIONS), fc.array(tie('e'), { maxLength: 3 })).map(([f, args]) => (f === 'cast' ? `cast(${args[0] ?? 1} AS ${['String', 'Int', 'Decimal', 'Boolean', 'Nope'][args.length]})` : `${f}(${args.join(', ')})`)),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([s, w, t]) => `CASE ${s} WHEN ${w} THEN ${t} ELSE NULL END`),
    fc.array(tie('e'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc.array(tie('e'), { maxLength: 2 }).map((items) => `{${items.map((v, i) => `'k${i}': ${v}`).join(', ')}}`),
  ),
})).e;

/** Whole statements: generated, mutated, and the hostile shapes (deep nesting, exploding strings). */
export const sqlStatement: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.option(sqlExpression, { nil: undefined }), fc.array(sqlExpression, { minLength: 1, maxLength: 3 }), fc.option(sqlExpression, { nil: undefined }), fc.constantFrom("'fz/#'", "'fz/+/x'", "'#'", "'a/#/b'", "''"))
    .map(([set, items, where, from]) => `${set ? `SET @v = ${set} ` : ''}SELECT ${items.map((e, i) => `${e} AS c${i}`).join(', ')} FROM ${from}${where ? ` WHERE ${where}` : ''}`) },
  { weight: 2, arbitrary: fc.constant("SELECT * FROM 'fz/#'").chain(mutateText) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('NOT ', '(', 'abs(', '-', '['), fc.integer({ min: 300, max: 6000 })).map(([p, n]) => {
    const close = p === '(' || p === 'abs(' ? ')' : p === '[' ? ']' : '';
    return `SELECT ${p.repeat(n)}1${close.repeat(n)} AS x FROM 'fz/#'`;
  }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }).map((n) => `SELECT ${"replace(".repeat(n)}'aaaaaaaaaa'${", 'a', 'aaaaaaaaaa')".repeat(n)} AS x FROM 'fz/#'`) },
  // Values that double at each step through SET variables, and nested queries over the payload's arrays.
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('concat(@vN, @vN)', '@vN + @vN', '[@vN, @vN]', "{'p': @vN, 'q': @vN}", "replace(@vN, 'a', @vN)",
    "regexp_replace(@vN, '', @vN)", "encode(@vN, 'base64')", 'lpad(@vN, 1000)', "transform('enrichArray', {'k': @vN}, [@vN, @vN])", 'concat([@vN], [@vN])'),
  fc.integer({ min: 2, max: 24 }), fc.constantFrom('s', 'a', 'o', '*', "'aa'")).map(([step, n, seed]) => {
    const sets = [`@v0 = ${seed}`];
    for (let i = 1; i < n; i++) sets.push(`@v${i} = ${step.replace(/@vN/g, `@v${i - 1}`)}`);
    return `SET ${sets.join(', ')} SELECT @v${n - 1} AS x, @v${n - 1} = @v${n - 1} AS same, length(cast(@v${n - 1} AS String)) AS n FROM 'fz/#'`;
  }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => `SET @a = a SELECT VALUE ${'(SELECT VALUE '.repeat(n)}1${' FROM @a)'.repeat(n)} FROM 'fz/#'`) },
);

/** Payloads with the fields the hostile statements read: a string, an array, an object. */
export const sqlPayload: fc.Arbitrary<Buffer> = fc.oneof(
  jsonValue.map((v) => Buffer.from(JSON.stringify(v))),
  fc.record({ s: fc.oneof(nastyString, fc.tuple(fc.integer({ min: 0, max: 120_000 }), fc.constantFrom('a', ' ', '\t', '1', '\\', '(')).map(([n, c]) => `${c.repeat(n)}x`)),
    a: fc.integer({ min: 0, max: 60_000 }).map((n) => new Array<number>(n).fill(0)), o: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 20 }) })
    .map((p) => Buffer.from(JSON.stringify(p))),
  jsonishText.map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
);

// ── policies and certificates ────────────────────────────────────────────────

const policyAction = fc.oneof(fc.constantFrom('iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive', 'iot:*', '*', 'iot:Nope', ''), nastyString);
const policyResource = fc.oneof(fc.constantFrom('*', 'arn:aws:iot:us-east-1:123456789012:topic/fz/*', 'arn:aws:iot:*:*:client/${iot:ClientId}',
  'arn:aws:iot:us-east-1:123456789012:topicfilter/${iot:Connection.Thing.ThingName}/#', '${nope'), nastyString);

/** Policy documents: well-formed, with bad fields, and not documents. */
export const policyDocument: fc.Arbitrary<string> = fc.oneof(
  fc.record({
    Version: fc.constantFrom('2012-10-17', '2008-10-17', 'x'),
    Statement: fc.oneof(fc.array(fc.record({
      Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
      Action: fc.oneof(policyAction, fc.array(policyAction, { maxLength: 3 })),
      Resource: fc.oneof(policyResource, fc.array(policyResource, { maxLength: 3 })),
      Condition: fc.option(fc.dictionary(fc.constantFrom('StringEquals', 'Bool', 'ForAnyValue:StringLike', 'Nope'), fc.dictionary(nastyString, fc.oneof(nastyString, fc.array(nastyString))), { maxKeys: 2 }), { nil: undefined }),
    }, { requiredKeys: ['Effect'] }), { maxLength: 3 }), jsonValue),
  }, { requiredKeys: [] }).map((d) => JSON.stringify(d)),
  jsonishText,
);

/** A PEM block around (possibly damaged) DER bytes. */
export function pemOf(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

/** A document's DER bytes with some of them changed. */
export const damage = (der: Buffer): fc.Arbitrary<Buffer> => mutateBytes(der);

/** encodeURIComponent that never throws: lone surrogates become U+FFFD first. */
export const enc = (s: string): string => encodeURIComponent(Buffer.from(s).toString());
