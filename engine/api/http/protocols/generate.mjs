#!/usr/bin/env node
// Writes models/<service>.ts: each AWS service's operations, input/output shapes (member names, xmlName, flattened,
// timestamp formats, HTTP bindings), modeled errors (query code, status, fault) and protocol settings, read once from
// the AWS SDK v3 clients' operation schemas in node_modules through @smithy/core's NormalizedSchema. The engine never
// imports the SDK at run time; run this again after an SDK upgrade:  node engine/api/http/protocols/generate.mjs
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { NormalizedSchema } = require('@smithy/core/schema');

/** model file → SDK client and protocol facts the client carries (SQS's query namespace is not in its JSON client). */
const clients = {
  sts: { pkg: '@aws-sdk/client-sts' },
  iam: { pkg: '@aws-sdk/client-iam' },
  sns: { pkg: '@aws-sdk/client-sns' },
  sqs: { pkg: '@aws-sdk/client-sqs', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
  logs: { pkg: '@aws-sdk/client-cloudwatch-logs' },
  lambda: { pkg: '@aws-sdk/client-lambda' },
  dynamodb: { pkg: '@aws-sdk/client-dynamodb' },
  dynamodbstreams: { pkg: '@aws-sdk/client-dynamodb-streams' },
  kinesis: { pkg: '@aws-sdk/client-kinesis' },
  firehose: { pkg: '@aws-sdk/client-firehose' },
  cloudwatch: { pkg: '@aws-sdk/client-cloudwatch' },
};

const timestampFormats = { 5: 'date-time', 6: 'http-date', 7: 'epoch-seconds' };

function simpleType(ns) {
  if (ns.isStringSchema()) return 'string';
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) return 'number';
  if (ns.isBooleanSchema()) return 'boolean';
  if (ns.isTimestampSchema()) return 'timestamp';
  if (ns.isBlobSchema()) return 'blob';
  if (ns.isDocumentSchema()) return 'document';
  return undefined;
}

function build(pkg) {
  const mod = require(pkg);
  const source = fs.readFileSync(require.resolve(pkg), 'utf8');
  const shapes = {};
  const errors = {};

  function shapeName(ns) {
    const sc = ns.getSchema();
    if (typeof sc === 'number') {
      const inner = sc & 0b0011_1111;
      const innerName = simpleType(NormalizedSchema.of(inner)) ?? String(inner);
      return ns.isListSchema() ? `${innerName}[]` : `map<string,${innerName}>`;
    }
    return ns.getName();
  }

  /** A member reference: its type (simple type name or shape name) and the traits the protocols read. */
  function ref(ns) {
    const t = ns.getMergedTraits();
    const out = {};
    const simple = simpleType(ns);
    if (simple) {
      out.type = simple;
      const sc = ns.getSchema();
      if (simple === 'timestamp' && timestampFormats[sc]) out.timestampFormat = timestampFormats[sc];
      if (t.timestampFormat) out.timestampFormat = t.timestampFormat;
    } else {
      out.type = shapeName(ns);
      define(ns, out.type);
    }
    if (t.xmlName) out.xmlName = t.xmlName;
    if (t.xmlFlattened) out.flattened = true;
    if (t.jsonName) out.jsonName = t.jsonName;
    if (t.httpLabel) out.location = 'label';
    if (t.httpQuery !== undefined) { out.location = 'query'; out.locationName = t.httpQuery; }
    if (t.httpHeader !== undefined) { out.location = 'header'; out.locationName = t.httpHeader; }
    if (t.httpPrefixHeaders !== undefined) { out.location = 'headers'; out.locationName = t.httpPrefixHeaders; }
    if (t.httpQueryParams) out.location = 'querystring';
    if (t.httpPayload) out.location = 'payload';
    if (t.httpResponseCode) out.location = 'statusCode';
    if (t.idempotencyToken) out.idempotencyToken = true;
    return out;
  }

  function define(ns, name) {
    if (shapes[name]) return;
    shapes[name] = {}; // placeholder against recursion
    if (ns.isListSchema()) {
      const s = { list: ref(ns.getValueSchema()) };
      if (ns.getOwnTraits().xmlFlattened) s.flattened = true;
      shapes[name] = s;
    } else if (ns.isMapSchema()) {
      const s = { map: { key: ref(ns.getKeySchema()), value: ref(ns.getValueSchema()) } };
      if (ns.getOwnTraits().xmlFlattened) s.flattened = true;
      shapes[name] = s;
    } else if (ns.isStructSchema()) {
      const sc = ns.getSchema();
      const members = {};
      for (const [memberName, m] of ns.structIterator()) members[memberName] = ref(m);
      const required = sc[4].slice(0, typeof sc[6] === 'number' ? sc[6] : 0);
      const s = { structure: members };
      if (required.length) s.required = required;
      if (ns.isUnionSchema()) s.union = true;
      shapes[name] = s;
    } else {
      throw new Error(`${pkg}: unexpected schema ${ns.getName(true)}`);
    }
  }

  const operations = {};
  for (const [key, value] of Object.entries(mod)) {
    if (!key.endsWith('$') || !Array.isArray(value)) continue;
    if (value[0] === 9) {
      const [, , name, traits, input, output] = value;
      const op = {};
      const inNs = NormalizedSchema.of(input);
      const outNs = NormalizedSchema.of(output);
      if (!inNs.isUnitSchema()) { op.input = inNs.getName(); define(inNs, op.input); }
      if (!outNs.isUnitSchema()) { op.output = outNs.getName(); define(outNs, op.output); }
      const http = traits && typeof traits === 'object' ? traits.http : undefined;
      if (http) op.http = { method: http[0], path: http[1], status: http[2] };
      operations[name] = op;
    } else if (value[0] === -3) {
      const ns = NormalizedSchema.of(value);
      const t = ns.getOwnTraits();
      const name = ns.getName();
      if (name.endsWith('ServiceException')) continue;
      const query = t.awsQueryError;
      const fields = {};
      for (const [memberName, m] of ns.structIterator()) fields[memberName] = ref(m);
      errors[name] = {
        code: query ? query[0] : name,
        status: t.httpError ?? (query ? query[1] : t.error === 'server' ? 500 : 400),
        fault: t.error === 'server' ? 'server' : 'client',
        members: fields,
      };
    }
  }
  if (!Object.keys(operations).length) throw new Error(`${pkg}: no operation schemas found (the SDK's code layout changed)`);

  // Protocol settings, as the client's runtime config carries them.
  const pick = (re) => re.exec(source)?.[1];
  const protocolClass = pick(/protocol: config\?\.protocol \?\? (\w+)/);
  const protocol = { AwsQueryProtocol: 'query', AwsJson1_0Protocol: 'json1.0', AwsJson1_1Protocol: 'json1.1', AwsRestJsonProtocol: 'rest-json' }[protocolClass];
  if (!protocol) throw new Error(`${pkg}: unknown protocol ${protocolClass}`);
  const settings = {
    protocol,
    signingName: pick(/defaultSigningName: "([^"]+)"/),
    version: pick(/protocolSettings: config\?\.protocolSettings \?\? \{[^}]*?version: "([^"]+)"/s),
    targetPrefix: pick(/protocolSettings: config\?\.protocolSettings \?\? \{[^}]*?serviceTarget: "([^"]+)"/s),
    xmlNamespace: pick(/protocolSettings: config\?\.protocolSettings \?\? \{[^}]*?xmlNamespace: "([^"]+)"/s),
    awsQueryCompatible: /protocolSettings: config\?\.protocolSettings \?\? \{[^}]*?awsQueryCompatible: true/s.test(source) || undefined,
    namespace: pick(/protocolSettings: config\?\.protocolSettings \?\? \{[^}]*?defaultNamespace: "([^"]+)"/s),
  };
  const version = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  return { settings, operations, shapes, errors, version };
}

const sortObject = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

for (const [file, { pkg, xmlNamespace }] of Object.entries(clients)) {
  const { settings, operations, shapes, errors, version } = build(pkg);
  if (xmlNamespace) settings.xmlNamespace ??= xmlNamespace;
  for (const k of Object.keys(settings)) if (settings[k] === undefined) delete settings[k];
  // One line per operation, shape and error, so an SDK upgrade reads as a diff.
  const table = (name, o) => [`  ${name}: {`, ...Object.entries(sortObject(o)).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)},`), '  },'];
  const lines = [
    ...Object.entries(settings).map(([k, v]) => `  ${k}: ${JSON.stringify(v)},`),
    ...table('operations', operations), ...table('shapes', shapes), ...table('errors', errors),
  ];
  fs.writeFileSync(new URL(`./models/${file}.ts`, import.meta.url), `// Generated by ../generate.mjs from ${pkg}@${version}'s operation schemas; do not edit by hand.
import type { ServiceModel } from '../model.js';

export const ${file}Model: ServiceModel = {
${lines.join('\n')}
};
`);
  console.log(`${pkg}@${version}: ${settings.protocol}, ${Object.keys(operations).length} operations, ${Object.keys(shapes).length} shapes, ${Object.keys(errors).length} errors`);
}
