/**
 * AWS's worked examples (research/aws-iot-semantics.md §4.9, from the DG pages): (SQL, topic, payload) → output.
 * Rows marked `ambiguous` are Appendix A items: they must evaluate, but their value is not asserted.
 */
import { describe, expect, it } from 'vitest';
import { compile, compileExpression, MessageContext, NO_MATCH, serializeOutput, type SqlEnvironment } from './index.js';

interface Row {
  n: string;
  sql: string;
  payload: string | Uint8Array;
  topic?: string;
  /** The output payload as JSON text; null: WHERE is not true (no action); 'no-topic': FROM does not match. */
  out: string | null | 'no-topic';
  ambiguous?: true;
  env?: SqlEnvironment;
}

const RED50 = '{"color":"red","temperature":50}';
const SENML = '{"e":[{"n":"temperature","u":"Cel","t":1234,"v":22.5},{"n":"light","u":"lm","t":1235,"v":135},{"n":"acidity","u":"pH","t":1235,"v":7}]}';
const EX18 = '{"deviceid":"iot123","temp":54.98,"humidity":32.43,"coords":{"latitude":47.615694,"longitude":-122.3359976}}';
const ENRICH = '{"attributes":{"data1":1,"data2":2},"values":[{"a":3},{"b":4},{"c":5}]}';
const EX26 = '{"data1":"example","data2":{"a":"first attribute","b":"second attribute","c":[{"x":{"someInt":5,"someString":"hello"},"y":true},{"x":{"someInt":10,"someString":"world"},"y":false}]}}';
const T = 'topic/subtopic';

const rows: Row[] = [
  { n: '1', sql: `SELECT color AS rgb FROM '${T}' WHERE temperature > 50`, payload: '{"color":"red","temperature":100}', out: '{"rgb":"red"}' },
  { n: '2', sql: `SELECT * FROM '${T}'`, payload: RED50, out: RED50 },
  { n: '3', sql: `SELECT color FROM '${T}'`, payload: RED50, out: '{"color":"red"}' },
  { n: '4', sql: `SELECT color AS my_color FROM '${T}'`, payload: RED50, out: '{"my_color":"red"}' },
  { n: '5', sql: `SELECT color as my_color, temperature as fahrenheit FROM '${T}'`, payload: RED50, out: '{"my_color":"red","fahrenheit":50}' },
  { n: '6', sql: `SELECT *, 15 as speed FROM '${T}'`, payload: RED50, out: '{"color":"red","temperature":50,"speed":15}' },
  { n: '7', sql: `SELECT VALUE color FROM '${T}'`, payload: RED50, out: '"red"' },
  { n: '8', sql: `SELECT color.red as red_value FROM '${T}'`, payload: '{"color":{"red":255,"green":0,"blue":0},"temperature":50}', out: '{"red_value":255}' },
  { n: '9', sql: `SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM '${T}'`, payload: RED50, out: '{"celsius":10,"my_color":"RED"}' },
  { n: '10a', sql: "SELECT temperature AS t FROM 'topic/#'", topic: 'topic/subtopic', payload: '{"temperature":50}', out: '{"t":50}' },
  { n: '10b', sql: "SELECT temperature AS t FROM 'topic/#'", topic: 'topic/subtopic-2', payload: '{"temperature":60}', out: '{"t":60}' },
  { n: '10c', sql: "SELECT temperature AS t FROM 'topic/#'", topic: 'topic/subtopic-3/details', payload: '{"temperature":70}', out: '{"t":70}' },
  { n: '10d', sql: "SELECT temperature AS t FROM 'topic/#'", topic: 'topic-2/subtopic-x', payload: '{"temperature":80}', out: 'no-topic' },
  { n: '11a', sql: "SELECT temperature AS t FROM 'topic/+'", topic: 'topic/subtopic', payload: '{"temperature":50}', out: '{"t":50}' },
  { n: '11b', sql: "SELECT temperature AS t FROM 'topic/+'", topic: 'topic/subtopic-2', payload: '{"temperature":60}', out: '{"t":60}' },
  { n: '11c', sql: "SELECT temperature AS t FROM 'topic/+'", topic: 'topic/subtopic-3/details', payload: '{"temperature":70}', out: 'no-topic' },
  { n: '11d', sql: "SELECT temperature AS t FROM 'topic/+'", topic: 'topic-2/subtopic-x', payload: '{"temperature":80}', out: 'no-topic' },
  { n: '12', sql: `SELECT color AS my_color FROM '${T}' WHERE temperature > 50 AND color <> 'red'`, payload: '{"color":"red","temperature":40}', out: null },
  { n: '13', sql: `SELECT decode(encode(*, 'base64'), 'base64') AS value FROM '${T}' WHERE decode(encode(*, 'base64'), 'base64') > 50`, payload: Buffer.from('80'), out: '{"value":80}' },
  { n: '14', sql: `SELECT {'latitude': get(lat_long, 0),'longitude':get(lat_long, 1)} as lat_long FROM '${T}'`, payload: '{"lat_long":[47.606,-122.332]}', out: '{"lat_long":{"latitude":47.606,"longitude":-122.332}}' },
  { n: '15', sql: `SELECT [lat,long] as lat_long FROM '${T}'`, payload: '{"lat":47.696,"long":-122.332}', out: '{"lat_long":[47.696,-122.332]}', ambiguous: true },
  { n: '16', sql: `SELECT CASE color WHEN 'green' THEN 'go' WHEN 'yellow' THEN 'caution' WHEN 'red' THEN 'stop' ELSE 'you are not at a stop light' END as instructions FROM '${T}'`, payload: '{"color":"yellow"}', out: '{"instructions":"caution"}' },
  { n: '17', sql: `SELECT * from 'iot/rules' WHERE get(get(get(mydata,"item2"),"0"),"my-key") = "myValue"`, topic: 'iot/rules', payload: '{"mydata":{"item2":{"0":{"my-key":"myValue"}}}}', out: '{"mydata":{"item2":{"0":{"my-key":"myValue"}}}}' },
  { n: '18', sql: "SELECT temp, md5(deviceid) AS hashed_id FROM 'topic/#'", payload: EX18, out: '{"temp":54.98,"hashed_id":"e37f81fb397e595c4aeb5645b8cbbbd1"}' },
  { n: '19', sql: "SELECT (SELECT VALUE n FROM e) as sensors FROM 'my/topic'", topic: 'my/topic', payload: SENML, out: '{"sensors":["temperature","light","acidity"]}' },
  { n: '20', sql: "SELECT (SELECT v FROM e WHERE n = 'temperature') as temperature FROM 'my/topic'", topic: 'my/topic', payload: SENML, out: '{"temperature":[{"v":22.5}]}' },
  { n: '21', sql: "SELECT get((SELECT v FROM e WHERE n = 'temperature'), 0).v as temperature FROM 'topic'", topic: 'topic', payload: SENML, out: '{"temperature":22.5}' },
  { n: '22', sql: "SELECT VALUE arr FROM 'topic'", topic: 'topic', payload: '{"a":{"b":"c"},"arr":[1,2,3,4]}', out: '[1,2,3,4]' },
  { n: '23', sql: `SELECT decode(encoded_temp,"base64").temperature AS temp from '${T}'`, payload: '{"encoded_temp":"eyAidGVtcGVyYXR1cmUiOiAzMyB9Cg=="}', out: '{"temp":33}' },
  { n: '24', sql: `select value transform("enrichArray", attributes, values) from 'A/B'`, topic: 'A/B', payload: ENRICH, out: '[{"a":3,"data1":1,"data2":2},{"b":4,"data1":1,"data2":2},{"c":5,"data1":1,"data2":2}]' },
  { n: '25', sql: `select value transform("enrichArray", {"key": attributes.data1}, values) from 'A/B'`, topic: 'A/B', payload: ENRICH, out: '[{"a":3,"key":1},{"b":4,"key":1},{"c":5,"key":1}]' },
  { n: '26', sql: `select value transform('enrichArray', (select a, b from data2), (select value c from data2)) from 'A/B'`, topic: 'A/B', payload: EX26, out: '[{"x":{"someInt":5,"someString":"hello"},"y":true,"a":"first attribute","b":"second attribute"},{"x":{"someInt":10,"someString":"world"},"y":false,"a":"first attribute","b":"second attribute"}]' },
  { n: '27', sql: "SELECT *, timestamp() AS timestamp FROM 'my/iot/topic'", topic: 'my/iot/topic', payload: EX18, env: { now: () => 1579637878451 },
    out: '{"deviceid":"iot123","temp":54.98,"humidity":32.43,"coords":{"latitude":47.615694,"longitude":-122.3359976},"timestamp":1579637878451}' },
  { n: '28', sql: "SELECT state, version FROM '$aws/things/+/shadow/update/delta'", topic: '$aws/things/T1/shadow/update/delta',
    payload: '{"version":7,"timestamp":1,"state":{"color":"green"},"metadata":{"color":{"timestamp":1}}}', out: '{"state":{"color":"green"},"version":7}' },
  { n: '29', sql: "SET @temp_celsius = (temp_fahrenheit - 32) * 5 / 9 SELECT @temp_celsius AS celsius, humidity FROM 'device/data'", topic: 'device/data', payload: '{"temp_fahrenheit":75,"humidity":60}', out: '{"celsius":23.89,"humidity":60}', ambiguous: true },
  { n: '30', sql: `SELECT parse_time("yyyy.MM.dd G 'at' HH:mm:ss z", 100000000, 'America/Belize') as ts FROM 'A/B'`, topic: 'A/B', payload: '{}', out: '{"ts":"1970.01.01 AD at 21:46:40 CST"}' },
  // Basic Ingest: the rules service strips `$aws/rules/BuildingManager/` before evaluation [DG:iot-basic-ingest].
  { n: '31', sql: "SELECT topic() AS t, topic(3) AS f FROM 'Buildings/#'", topic: 'Buildings/Building5/Floor2/Room201/Lights', payload: '{}', out: '{"t":"Buildings/Building5/Floor2/Room201/Lights","f":"Floor2"}' },
  { n: '32', sql: `SELECT color, missing FROM '${T}'`, payload: '{"color":"red"}', out: '{"color":"red"}' },
  { n: '33', sql: `SELECT foo, bar FROM '${T}'`, payload: '{"foo":null}', out: '{"foo":null}' },
  { n: '34', sql: `SELECT * FROM '${T}' WHERE temperature > 50`, payload: '{"temperature":"60"}', out: '{"temperature":"60"}' },
  { n: '35', sql: "SELECT * FROM 't' WHERE a = 1", topic: 't', payload: '{"a":"1"}', out: null },
];

describe('AWS IoT SQL conformance (DG worked examples)', () => {
  it.each(rows)('example $n: $sql', (row) => {
    const rule = compile(row.sql);
    const topic = row.topic ?? T;
    if (row.out === 'no-topic') {
      expect(rule.matchesTopic(topic)).toBe(false);
      return;
    }
    expect(rule.matchesTopic(topic)).toBe(true);
    const payload = typeof row.payload === 'string' ? Buffer.from(row.payload) : row.payload;
    const ctx = new MessageContext({ topic, payload, clientId: 'client-1' }, row.env);
    const result = rule.evaluate(ctx);
    if (row.out === null) {
      expect(result).toBe(NO_MATCH);
      return;
    }
    expect(result).not.toBe(NO_MATCH);
    if (result === NO_MATCH) return;
    const text = serializeOutput(result, ctx).toString();
    if (row.ambiguous) expect(text.length).toBeGreaterThan(0);
    else expect(JSON.parse(text)).toEqual(JSON.parse(row.out));
  });

  it('example 27/28: republish topic templates ${topic()}/republish and ${topic(3)}/delta', () => {
    const ctx27 = new MessageContext({ topic: 'my/iot/topic', payload: Buffer.from(EX18) });
    expect(compileExpression('topic()')(ctx27) + '/republish').toBe('my/iot/topic/republish');
    const ctx28 = new MessageContext({ topic: '$aws/things/T1/shadow/update/delta', payload: Buffer.from('{}') });
    expect(compileExpression('topic(3)')(ctx28) + '/delta').toBe('T1/delta');
  });

  it('SET variables reach substitution templates (${@var})', () => {
    const rule = compile("SET @id = upper(deviceid) SELECT temp FROM 'topic/#'");
    const ctx = new MessageContext({ topic: 'topic/a', payload: Buffer.from(EX18) });
    expect(compileExpression("'device/' + @id", { rule })(ctx)).toBe('device/IOT123');
  });
});
