import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../core/index.js';
import { encodeLine, MAX_REPORTED_ERRORS, parseRecording, readRecordingFile, type RecordedMessage } from './recording-format.js';

describe('recording format', () => {
  it('writes UTF-8 payloads as text and other bytes as base64, and reads both back', () => {
    const msgs: RecordedMessage[] = [
      { t: 0, topic: 'a/b', qos: 1, retain: true, payload: Buffer.from('{"temp":21.5,"name":"é"}'), clientId: 'dev-1' },
      { t: 12.5, topic: 'a/raw', qos: 0, retain: false, payload: Buffer.from([0xff, 0x00, 0xfe]) },
      {
        t: 40, topic: 'a/c', qos: 2, retain: false, payload: Buffer.alloc(0), clientId: 'dev-2',
        properties: { contentType: 'text/plain', payloadFormatIndicator: true, messageExpiryInterval: 60, responseTopic: 'r/1', correlationData: 'AQI=', userProperties: [['k', '1'], ['k', '2'], ['z', 'x']] },
      },
    ];
    const lines = msgs.map(encodeLine);
    expect(JSON.parse(lines[0])).toEqual({ t: 0, topic: 'a/b', qos: 1, retain: true, payload: '{"temp":21.5,"name":"é"}', clientId: 'dev-1' });
    expect(JSON.parse(lines[1])).toEqual({ t: 12.5, topic: 'a/raw', qos: 0, retain: false, payload: '/wD+', encoding: 'base64' });
    const back = parseRecording(lines.join('\n') + '\n\n', 'x.jsonl');
    expect(back.errors).toEqual([]);
    expect(back.messages).toEqual(msgs);
  });

  it.each([
    ['not json', 'not valid JSON'],
    ['[1,2]', 'expected a JSON object per line'],
    ['{"t":-1,"topic":"a","qos":0,"retain":false,"payload":""}', '"t" must be a number of milliseconds ≥ 0'],
    ['{"t":0,"topic":"a/#","qos":0,"retain":false,"payload":""}', '"topic" must be a topic name without wildcards (+, #), not "a/#"'],
    ['{"t":0,"topic":"a","qos":3,"retain":false,"payload":""}', '"qos" must be 0, 1 or 2'],
    ['{"t":0,"topic":"a","qos":0,"retain":"no","payload":""}', '"retain" must be true or false'],
    ['{"t":0,"topic":"a","qos":0,"retain":false,"payload":"%%","encoding":"base64"}', '"payload" is not valid base64'],
    ['{"t":0,"topic":"a","qos":0,"retain":false,"payload":"","colour":1}', 'unknown field "colour"'],
    ['{"t":0,"topic":"a","qos":0,"retain":false,"payload":"","properties":{"userProperties":[["a"]]}}', '"properties.userProperties" must be a list of [name, value] string pairs'],
    ['{"t":0,"topic":"a","qos":0,"retain":false,"payload":"","properties":{"topicAlias":3}}', 'unknown property "topicAlias"'],
  ])('reports %s as FILE:line: what is wrong', (line, message) => {
    const { errors } = parseRecording(`{"t":0,"topic":"ok","qos":0,"retain":false,"payload":""}\n${line}\n`, 'rec.jsonl');
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(`rec.jsonl:2: ${message}`)).toBe(true);
  });

  it('refuses time going backwards, and stops after the first 10 bad lines', () => {
    const back = parseRecording('{"t":5,"topic":"a","qos":0,"retain":false,"payload":""}\n{"t":4,"topic":"a","qos":0,"retain":false,"payload":""}', 'r');
    expect(back.errors).toEqual(['r:2: "t" goes back in time (4 after 5): lines must be in time order']);
    const many = parseRecording(Array.from({ length: 30 }, () => '{').join('\n'), 'r');
    expect(many.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(many.errors[9].startsWith('r:10: not valid JSON')).toBe(true);
    expect(parseRecording('\n\n', 'empty.jsonl').errors).toEqual(['empty.jsonl:1: the recording has no messages']);
  });

  it('reads a recording file, or fails with InvalidInput listing FILE:line: errors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-recfmt-'));
    try {
      const good = path.join(dir, 'good.jsonl');
      fs.writeFileSync(good, encodeLine({ t: 0, topic: 'a', qos: 0, retain: false, payload: Buffer.from('x') }) + '\n');
      expect((await readRecordingFile(good)).map((m) => m.topic)).toEqual(['a']);
      const bad = path.join(dir, 'bad.jsonl');
      fs.writeFileSync(bad, '{}\n');
      const err = await readRecordingFile(bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect(err).toMatchObject({ code: 'InvalidInput', message: `${bad}:1: "t" must be a number of milliseconds ≥ 0`, details: { errors: [`${bad}:1: "t" must be a number of milliseconds ≥ 0`] } });
      await expect(readRecordingFile(path.join(dir, 'none.jsonl'))).rejects.toMatchObject({ code: 'InvalidInput', message: `cannot read ${path.join(dir, 'none.jsonl')}: no such file` });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
