/**
 * Every HTTP route family on one real engine: IoT control plane (things, groups, types, certificates, policies,
 * rules) and iot-data (publish, retained, shadows), with odd labels, queries and bodies. Every request gets an
 * AWS-shaped answer below 500 in bounded time; afterwards the engine is healthy (harness.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzz, testTimeout } from './fuzz-config.js';
import { enc, jsonishText, nastyString, policyDocument, shadowDocument, sqlStatement, topic } from './generators.js';
import { expectAwsShaped, FuzzEngine } from './harness.js';

let f: FuzzEngine;
beforeAll(async () => { f = await FuzzEngine.start(); });
afterAll(async () => { await f?.stop(); });

/** A path label: usually percent-encoded, sometimes raw (the router must cope with both). */
const label = fc.oneof({ weight: 3, arbitrary: fc.oneof(fc.constantFrom('fz1', 'fz2', 'fz_rule', 'fzThing'), nastyString).map(enc) },
  { weight: 1, arbitrary: nastyString.map((s) => s.replace(/[\s#?]/g, '')) });
const query = fc.oneof(fc.constant(''), fc.dictionary(fc.constantFrom('maxResults', 'nextToken', 'name', 'qos', 'retain', 'setAsActive', 'recursive', 'thingTypeName', 'x'),
  fc.oneof(nastyString, fc.integer().map(String)), { maxKeys: 3 }).map((q) => `?${new URLSearchParams(q).toString()}`), nastyString.map((s) => `?${s}`));
const body = (specific: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: specific.map((v) => JSON.stringify(v)) }, { weight: 1, arbitrary: jsonishText });
const attrs = fc.dictionary(nastyString, nastyString, { maxKeys: 4 });

interface Request { method: string; path: string; body?: string; contentType?: string }
const req = (methods: string[], path: (l: string) => string, b?: fc.Arbitrary<string>): fc.Arbitrary<Request> =>
  fc.record({ method: fc.constantFrom(...methods), l: label, q: query, body: b ?? fc.constant(undefined) })
    .map(({ method, l, q, body: text }) => ({ method, path: path(l) + q, body: text }));

const families: Record<string, fc.Arbitrary<Request>> = {
  things: fc.oneof(
    req(['POST', 'PATCH', 'GET', 'DELETE'], (l) => `/things/${l}`, body(fc.record({ thingTypeName: nastyString, attributePayload: fc.record({ attributes: attrs, merge: fc.boolean() }), expectedVersion: fc.integer() }, { requiredKeys: [] }))),
    req(['GET'], () => '/things'), req(['GET', 'PUT', 'DELETE'], (l) => `/things/${l}/principals`), req(['GET'], (l) => `/things/${l}/thing-groups`),
    req(['POST'], () => '/indices/search', body(fc.record({ queryString: nastyString, maxResults: fc.integer(), indexName: nastyString }, { requiredKeys: [] })))),
  groups: fc.oneof(
    req(['POST', 'GET', 'DELETE', 'PATCH'], (l) => `/thing-groups/${l}`, body(fc.record({ parentGroupName: nastyString, thingGroupProperties: fc.record({ thingGroupDescription: nastyString, attributePayload: fc.record({ attributes: attrs }) }) }, { requiredKeys: [] }))),
    req(['GET'], (l) => `/thing-groups/${l}/things`), req(['GET'], () => '/thing-groups'),
    req(['PUT'], () => '/thing-groups/addThingToThingGroup', body(fc.record({ thingName: nastyString, thingGroupName: nastyString, thingArn: nastyString }, { requiredKeys: [] })))),
  types: fc.oneof(
    req(['POST', 'GET', 'DELETE'], (l) => `/thing-types/${l}`, body(fc.record({ thingTypeProperties: fc.record({ thingTypeDescription: nastyString, searchableAttributes: fc.array(nastyString) }) }, { requiredKeys: [] }))),
    req(['POST'], (l) => `/thing-types/${l}/deprecate`, body(fc.record({ undoDeprecate: fc.oneof(fc.boolean(), nastyString) }))), req(['GET'], () => '/thing-types')),
  certificates: fc.oneof(
    req(['POST'], () => '/keys-and-certificate', body(fc.constant({}))),
    req(['POST'], () => '/certificates', body(fc.record({ certificateSigningRequest: nastyString }))),
    req(['POST'], () => '/certificate/register', body(fc.record({ certificatePem: nastyString, caCertificatePem: nastyString, status: nastyString }, { requiredKeys: [] }))),
    req(['GET', 'PUT', 'DELETE'], (l) => `/certificates/${l}`, fc.constant(JSON.stringify({}))), req(['GET'], () => '/certificates'),
    req(['POST'], () => '/cacertificate', body(fc.record({ caCertificate: nastyString, verificationCertificate: nastyString }, { requiredKeys: [] }))),
    req(['GET'], () => '/registrationcode')),
  policies: fc.oneof(
    req(['POST'], (l) => `/policies/${l}`, policyDocument.map((d) => JSON.stringify({ policyDocument: d }))),
    req(['POST'], (l) => `/policies/${l}/version`, policyDocument.map((d) => JSON.stringify({ policyDocument: d, setAsDefault: true }))),
    req(['GET', 'DELETE'], (l) => `/policies/${l}`), req(['PUT', 'POST'], (l) => `/target-policies/${l}`, body(fc.record({ target: nastyString }))),
    req(['GET'], () => '/policies'), req(['GET', 'DELETE', 'PATCH'], (l) => `/policies/${l}/version/${l}`)),
  rules: fc.oneof(
    req(['POST', 'PATCH'], (l) => `/rules/${l}`, fc.record({ sql: sqlStatement, awsIotSqlVersion: fc.constantFrom('2016-03-23', '2015-10-08', 'beta', undefined),
      actions: fc.constantFrom([], [{ republish: { topic: 'fz/out/${topic()}', qos: 1 } }], [{ republish: {} }], [{ nope: {} }]) })
      .map((p) => JSON.stringify({ topicRulePayload: p }))),
    req(['GET', 'DELETE'], (l) => `/rules/${l}`), req(['POST'], (l) => `/rules/${l}/${['enable', 'disable'][l.length % 2]}`), req(['GET'], () => '/rules')),
  publish: fc.record({ t: topic, q: query, payload: fc.oneof(jsonishText, fc.integer({ min: 100_000, max: 140_000 }).map((n) => 'x'.repeat(n))) })
    .map(({ t, q, payload }) => ({ method: 'POST', path: `/topics/${enc(t)}${q}`, body: payload })),
  retained: fc.oneof(req(['GET'], () => '/retainedMessage'), topic.map((t) => ({ method: 'GET', path: `/retainedMessage/${enc(t)}` }))),
  shadows: fc.oneof(
    req(['POST'], (l) => `/things/${l}/shadow`, shadowDocument), req(['GET', 'DELETE'], (l) => `/things/${l}/shadow`),
    fc.tuple(label, nastyString, shadowDocument).map(([l, n, d]) => ({ method: 'POST', path: `/things/${l}/shadow?name=${enc(n)}`, body: d })),
    req(['GET'], (l) => `/api/things/shadow/ListNamedShadowsForThing/${l}`)),
  anything: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND'),
    path: fc.oneof(nastyString.map((s) => `/${s}`), fc.constantFrom('/', '//', '/things/', '/%', '/topics/', '/rules/a/b/c', '*')).map((p) => p.replace(/[\s]/g, '')),
    body: fc.option(jsonishText, { nil: undefined }), contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-amz-json-1.1', '') }),
};


/** Header values Node's client will send (printable Latin-1, no line breaks). */
const headerText = nastyString.map((v) => v.replace(/[^\u0020-\u007e]/g, ''));

/** Signature-shaped and odd headers: a SigV4 Authorization the verifier must parse, dates, tokens, targets. */
const extraHeaders = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: fc.record({
    authorization: fc.oneof(headerText,
      fc.tuple(fc.constantFrom('AKIDEXAMPLE', '', 'x'), fc.constantFrom('20240101', '2024', ''), fc.constantFrom('us-east-1', ''), fc.constantFrom('iotdata', 'iot', 'execute-api', 's3', ''),
        fc.constantFrom('host;x-amz-date', '', 'host', ';;;'), fc.stringMatching(/^[0-9a-f]{0,64}$/), headerText)
        .map(([k, d, r, svc, signed, sig, junk]) => `AWS4-HMAC-SHA256 Credential=${k}/${d}/${r}/${svc}/aws4_request, SignedHeaders=${signed}, Signature=${sig}${junk}`)),
    'x-amz-date': fc.oneof(fc.constantFrom('20240101T000000Z', '99999999T999999Z', ''), headerText),
    'x-amz-security-token': headerText,
    'x-amz-target': fc.oneof(fc.constantFrom('AWSIotData.Publish', 'DynamoDB_20120810.PutItem', 'AmazonSQS.SendMessage', 'Logs_20140328.PutLogEvents'), headerText),
    'x-amz-content-sha256': fc.oneof(fc.constantFrom('UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'), fc.stringMatching(/^[0-9a-f]{0,64}$/)),
  }, { requiredKeys: [] }) },
);

describe('HTTP fuzz', () => {
  it('answers every request in every route family with an AWS-shaped status below 500, in bounded time', async () => {
    let n = 0;
    const statuses = new Map<number, number>();
    await fuzz('http', fc.tuple(fc.oneof(...Object.values(families)), extraHeaders), async ([r, extra]) => {
      if (++n % 25 === 0) await f.canary();
      const headers: Record<string, string> = { ...extra, ...(r.contentType !== undefined ? { 'content-type': r.contentType } : {}) };
      const a = await f.request(r.method, r.path, r.body, headers);
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (r.method !== 'HEAD') expectAwsShaped(a, `${r.method} ${r.path.slice(0, 200)}`);
      else expectAwsShaped({ ...a, body: '{"message":""}' }, `HEAD ${r.path}`);
      f.expectNoNewFailures();
    });
    console.log(`[fuzz] http statuses: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}×${c}`).join(' ')}`);
    expect([...statuses.keys()].some((s) => s < 300), 'some requests succeed (the fuzz reaches the handlers)').toBe(true);
    await f.verifyHealthy();
  }, testTimeout());
});
