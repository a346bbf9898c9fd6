import { describe, it, expect } from 'vitest';
import type { DataPlaneBroker, RetainedMessage } from './data-plane-broker.js';
import type { HttpRequest } from './http-server.js';
import {
  awsIotDataLimits, decodeNextToken, encodeNextToken, getRetainedMessage, iotDataRoutes, listRetainedMessages,
  pageRetained, parseBoolean, parseMaxResults, parsePublishRequest, parseQos, publish, toMqttProperties, userPropertiesBlob, validateTopicName,
} from './iot-data.js';

const invalidInput = expect.objectContaining({ code: 'InvalidInput' });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('validateTopicName', () => {
  it.each(['a', 'a/b/c', '$aws/things/t/shadow/update', '/leading', 'trailing/', 'a//b', 'sp ace', 'ü/€', 'a'.repeat(256),
    'a/b/c/d/e/f/g/h', `$aws/rules/myRule/${'x'.repeat(256)}`, '$aws/rules/r/a/b/c/d/e/f/g/h'])('accepts %j', (t) => {
    expect(() => validateTopicName(t)).not.toThrow();
  });
  it.each(['', '+', '#', 'a/+/b', 'a/#', 'a+b', 'a\u0000b', 'a'.repeat(257), 'é'.repeat(129), 'a/b/c/d/e/f/g/h/i'])('rejects %j', (t) => {
    expect(() => validateTopicName(t)).toThrow(invalidInput);
  });
  it('honours custom limits, 0 disabling one', () => {
    expect(() => validateTopicName('a/b/c', { ...awsIotDataLimits, maxTopicSlashes: 1 })).toThrow(invalidInput);
    const off = { maxPayloadBytes: 0, maxTopicBytes: 0, maxTopicSlashes: 0 };
    expect(() => validateTopicName('a/'.repeat(50) + 'x'.repeat(1000), off)).not.toThrow();
    expect(() => validateTopicName('x'.repeat(65536), off)).toThrow(invalidInput);
  });
});

describe('parseQos / parseBoolean / parseMaxResults', () => {
  it.each([[null, 0], ['0', 0], ['1', 1]] as const)('qos %j → %i', (v, q) => expect(parseQos(v)).toBe(q));
  it.each(['2', 'x', '', '-1', '01', '1.0', ' 1'])('qos %j → InvalidInput', (v) => expect(() => parseQos(v)).toThrow(invalidInput));
  it.each([[null, false], ['true', true], ['false', false]] as const)('retain %j → %s', (v, r) => expect(parseBoolean('retain', v)).toBe(r));
  it.each(['yes', '1', 'TRUE', ''])('retain %j → InvalidInput', (v) => expect(() => parseBoolean('retain', v)).toThrow(invalidInput));
  it.each([[null, 200], ['1', 1], ['200', 200], ['50', 50]] as const)('maxResults %j → %i', (v, n) => expect(parseMaxResults(v)).toBe(n));
  it.each(['0', '201', '-1', 'x', '', '1.5', '99999'])('maxResults %j → InvalidInput', (v) => expect(() => parseMaxResults(v)).toThrow(invalidInput));
});

describe('parsePublishRequest', () => {
  const q = (s: string) => new URLSearchParams(s);
  it('defaults to qos 0, no retain, no properties', () => {
    expect(parsePublishRequest('a/b', q(''), {})).toEqual({ topic: 'a/b', qos: 0, retain: false, properties: {} });
  });
  it('accepts every MQTT 5 parameter the SDK can send', () => {
    const r = parsePublishRequest('a', q('qos=1&retain=true&contentType=text%2Fplain&responseTopic=r%2Ft&messageExpiry=60'), {
      'x-amz-mqtt5-user-properties': b64('[{"deviceName":"alpha"},{"deviceCnt":"45"}]'),
      'x-amz-mqtt5-payload-format-indicator': 'UTF8_DATA',
      'x-amz-mqtt5-correlation-data': b64('corr'),
    });
    expect(r).toEqual({
      topic: 'a', qos: 1, retain: true,
      properties: {
        contentType: 'text/plain', responseTopic: 'r/t', messageExpiry: 60, payloadFormatIndicator: 'UTF8_DATA',
        userProperties: [{ deviceName: 'alpha' }, { deviceCnt: '45' }], correlationData: Buffer.from('corr'),
      },
    });
  });
  it('allows reserved topics without retain', () => {
    expect(parsePublishRequest('$aws/things/t/shadow/update', q('qos=1'), {}).qos).toBe(1);
  });
  it.each([
    ['retain on a reserved topic', '$aws/things/t/shadow/update', 'retain=true', {}],
    ['retain on any $ topic', '$SYS/x', 'retain=true', {}],
    ['qos 2', 'a', 'qos=2', {}],
    ['bad retain', 'a', 'retain=1', {}],
    ['wildcard topic', 'a/#', '', {}],
    ['bad messageExpiry', 'a', 'messageExpiry=-5', {}],
    ['wildcard responseTopic', 'a', 'responseTopic=r%2F%2B', {}],
    ['bad payload format indicator', 'a', '', { 'x-amz-mqtt5-payload-format-indicator': 'UTF16' }],
    ['user properties not base64', 'a', '', { 'x-amz-mqtt5-user-properties': '[{"a":"b"}]' }],
    ['user properties not an array', 'a', '', { 'x-amz-mqtt5-user-properties': b64('{"a":"b"}') }],
    ['user property value not a string', 'a', '', { 'x-amz-mqtt5-user-properties': b64('[{"a":1}]') }],
    ['correlation data not base64', 'a', '', { 'x-amz-mqtt5-correlation-data': '%%%' }],
  ])('rejects %s', (_name, topic, query, headers) => {
    expect(() => parsePublishRequest(topic, q(query), headers)).toThrow(invalidInput);
  });
});

describe('toMqttProperties and userPropertiesBlob', () => {
  it('turns a Publish\'s parameters into the broker\'s MQTT 5 properties, user properties in order', () => {
    expect(toMqttProperties({
      contentType: 'text/plain', responseTopic: 'r/t', messageExpiry: 60, payloadFormatIndicator: 'UTF8_DATA',
      userProperties: [{ deviceName: 'alpha' }, { deviceCnt: '45' }, { deviceName: 'beta' }], correlationData: Buffer.from('corr'),
    })).toEqual({
      contentType: 'text/plain', responseTopic: 'r/t', messageExpiryInterval: 60, payloadFormatIndicator: true,
      userProperties: [['deviceName', 'alpha'], ['deviceCnt', '45'], ['deviceName', 'beta']], correlationData: Buffer.from('corr'),
    });
  });
  it('says UNSPECIFIED_BYTES as payload format false, and nothing when there is nothing', () => {
    expect(toMqttProperties({ payloadFormatIndicator: 'UNSPECIFIED_BYTES' })).toEqual({ payloadFormatIndicator: false });
    expect(toMqttProperties({})).toBeUndefined();
    expect(toMqttProperties({ userProperties: [] })).toBeUndefined();
  });
  it('caps messageExpiry at what MQTT 5 can carry (four bytes)', () => {
    expect(toMqttProperties({ messageExpiry: 99_999_999_999 })).toEqual({ messageExpiryInterval: 0xffffffff });
  });
  it('returns user properties as base64 of the JSON array Publish takes', () => {
    const blob = userPropertiesBlob({ userProperties: [['deviceName', 'alpha'], ['deviceCnt', '45']] });
    expect(JSON.parse(Buffer.from(blob!, 'base64').toString())).toEqual([{ deviceName: 'alpha' }, { deviceCnt: '45' }]);
    expect(userPropertiesBlob({ contentType: 'x' })).toBeUndefined();
    expect(userPropertiesBlob(undefined)).toBeUndefined();
  });
});

const msg = (topic: string, payload = 'p', qos: 0 | 1 = 0, t = 1000): RetainedMessage => ({ topic, payload: Buffer.from(payload), qos, lastModifiedTime: t });

describe('nextToken and pageRetained', () => {
  it('round-trips tokens, including unicode and slashes', () => {
    for (const t of ['a', 'a/b/c', '$aws/x', 'ü/€ x']) expect(decodeNextToken(encodeNextToken(t))).toBe(t);
  });
  it.each(['garbage!', 'AAAA', '', encodeNextToken('x') + '='])('rejects token %j', (tok) => {
    expect(() => decodeNextToken(tok)).toThrow(invalidInput);
  });

  const all = ['e', 'a', 'c', 'b', 'd'].map((t) => msg(t));
  it('returns everything without a token when it fits', () => {
    expect(pageRetained(all, 200)).toEqual({ items: ['a', 'b', 'c', 'd', 'e'].map((t) => msg(t)) });
  });
  it('pages in topic order until exhausted', () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = pageRetained(all, 2, token);
      seen.push(...page.items.map((m) => m.topic));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });
  it('has no nextToken when the page ends exactly at the last item', () => {
    expect(pageRetained(all, 5).nextToken).toBeUndefined();
  });
  it('survives deletion of the token topic between pages', () => {
    const first = pageRetained(all, 2);
    const remaining = all.filter((m) => m.topic !== 'b');
    expect(pageRetained(remaining, 2, first.nextToken).items.map((m) => m.topic)).toEqual(['c', 'd']);
  });
});

/** An in-memory DataPlaneBroker for handler tests (the integration test uses a real aedes broker). */
function memoryBroker() {
  const retained = new Map<string, RetainedMessage>();
  const published: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean }[] = [];
  const broker: DataPlaneBroker = {
    async publish(m) {
      published.push(m);
      if (m.retain) {
        if (m.payload.length === 0) retained.delete(m.topic);
        else retained.set(m.topic, { topic: m.topic, payload: m.payload, qos: m.qos, lastModifiedTime: 42 });
      }
    },
    getRetained: (t) => retained.get(t),
    listRetained: () => [...retained.values()].sort((a, b) => a.topic.localeCompare(b.topic)),
  };
  return { broker, published, retained };
}

const req = (params: Record<string, string>, query = '', body = Buffer.alloc(0), headers = {}): HttpRequest => ({
  operation: 'test', method: 'GET', params, query: new URLSearchParams(query), headers, body, requestId: 'r',
});

describe('handlers', () => {
  it('Publish hands the message to the broker and answers 200 with an empty body', async () => {
    const { broker, published } = memoryBroker();
    expect(await publish(broker)(req({ topic: 'a/b' }, 'qos=1&retain=true', Buffer.from('hi')))).toEqual({});
    expect(published).toEqual([{ topic: 'a/b', payload: Buffer.from('hi'), qos: 1, retain: true }]);
  });
  it('Publish rejects an oversized payload with TooLarge even if the route cap is larger', async () => {
    const { broker } = memoryBroker();
    const h = publish(broker, { ...awsIotDataLimits, maxPayloadBytes: 4 });
    await expect(h(req({ topic: 'a' }, '', Buffer.from('12345')))).rejects.toMatchObject({ code: 'TooLarge' });
    await expect(h(req({ topic: 'a' }, '', Buffer.from('1234')))).resolves.toEqual({});
  });
  it('GetRetainedMessage returns base64 payload or NotFound', async () => {
    const { broker, retained } = memoryBroker();
    retained.set('x', msg('x', 'hello', 1, 7));
    expect(await getRetainedMessage(broker)(req({ topic: 'x' }))).toEqual({
      json: { topic: 'x', payload: b64('hello'), qos: 1, lastModifiedTime: 7 },
    });
    expect(() => getRetainedMessage(broker)(req({ topic: 'y' }))).toThrow(expect.objectContaining({ code: 'NotFound' }));
    expect(() => getRetainedMessage(broker)(req({ topic: 'a/+' }))).toThrow(invalidInput);
  });
  it('ListRetainedMessages returns summaries and a nextToken only when more remain', async () => {
    const { broker, retained } = memoryBroker();
    for (const t of ['b', 'a', 'c']) retained.set(t, msg(t, 'xyz', 1, 9));
    const first = await listRetainedMessages(broker)(req({}, 'maxResults=2')) as { json: { retainedTopics: unknown[]; nextToken?: string } };
    expect(first.json.retainedTopics).toEqual([
      { topic: 'a', payloadSize: 3, qos: 1, lastModifiedTime: 9 }, { topic: 'b', payloadSize: 3, qos: 1, lastModifiedTime: 9 },
    ]);
    const second = await listRetainedMessages(broker)(req({}, `maxResults=2&nextToken=${first.json.nextToken}`));
    expect(second).toEqual({ json: { retainedTopics: [{ topic: 'c', payloadSize: 3, qos: 1, lastModifiedTime: 9 }] } });
  });
  it('iotDataRoutes lists one route per operation with the payload cap on Publish', () => {
    const routes = iotDataRoutes(memoryBroker().broker, { maxPayloadBytes: 10 });
    expect(routes.map((r) => [r.method, r.path, r.operation])).toEqual([
      ['POST', '/topics/{topic+}', 'Publish'],
      ['GET', '/retainedMessage', 'ListRetainedMessages'],
      ['GET', '/retainedMessage/{topic+}', 'GetRetainedMessage'],
    ]);
    expect(routes[0].maxBodyBytes).toBe(10);
    expect(iotDataRoutes(memoryBroker().broker, { maxPayloadBytes: 0 })[0].maxBodyBytes).toBe(268_435_450);
  });
});
