/**
 * AWS IoT SQL, in process and through a real engine. In process: every generated statement either compiles or is
 * a SqlError, prints to SQL that parses to the same text, and evaluates against generated payloads to a value or a
 * SqlEvaluationError (a limit), each step in bounded time. Through the engine: CreateTopicRule answers 200 or
 * 400 SqlParseException, and messages published to the rules' topics leave the engine healthy.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, MessageContext, parse, print, serializeOutput, SqlError } from '../../engine/rules/sql/index.js';
import { SqlEvaluationError } from '../../engine/rules/sql/diagnostics.js';
import { fuzz, testTimeout } from './fuzz-config.js';
import { sqlPayload, sqlStatement } from './generators.js';
import { expectAwsShaped, FuzzEngine } from './harness.js';

/**
 * One compile or evaluation may take this long at most (the engine's event loop is blocked meanwhile). It is there
 * to catch super-linear blowups (many seconds), not to time ordinary work on a busy machine.
 */
const STEP_MS = 5000;

function timed<T>(what: string, f: () => T): T {
  const started = performance.now();
  const out = f();
  expect(performance.now() - started, `${what} took too long`).toBeLessThan(STEP_MS);
  return out;
}

describe('SQL fuzz, in process', () => {
  it('compiles, prints and evaluates every statement without an unexpected exception', async () => {
    const refusals = { compile: 0, evaluate: 0 };
    await fuzz('sql', fc.tuple(sqlStatement, fc.array(sqlPayload, { minLength: 1, maxLength: 3 })), ([sql, payloads]) => {
      let rule;
      try {
        rule = timed('compile', () => compile(sql));
      } catch (e) {
        if (!(e instanceof SqlError)) throw e;
        refusals.compile++;
        return;
      }
      const printed = print(parse(sql));
      expect(print(parse(printed)), 'print(parse(print(parse(sql)))) is stable').toBe(printed);
      for (const p of payloads) {
        const ctx = new MessageContext({ topic: 'fz/a/x', payload: p, clientId: 'fz', traceId: 't' });
        try {
          const out = timed('evaluate', () => rule.evaluate(ctx));
          if (typeof out !== 'symbol') timed('serialize', () => serializeOutput(out, ctx));
        } catch (e) {
          if (!(e instanceof SqlEvaluationError)) throw e;
          refusals.evaluate++;
        }
      }
    });
    console.log(`[fuzz] sql refused: ${refusals.compile} at compile time, ${refusals.evaluate} evaluations over a limit`);
  }, testTimeout());
});

describe('SQL fuzz, through the engine', () => {
  let f: FuzzEngine;
  beforeAll(async () => { f = await FuzzEngine.start(); });
  afterAll(async () => { await f?.stop(); });

  it('answers CreateTopicRule with 200 or SqlParseException and evaluates messages without an internal failure', async () => {
    let n = 0;
    await fuzz('sql-engine', fc.tuple(sqlStatement, fc.array(sqlPayload, { maxLength: 3 })), async ([sql, payloads]) => {
      const name = `fz_${++n}`;
      const actions = [{ republish: { topic: 'fzout/${topic()}', qos: 0, roleArn: 'arn:aws:iam::123456789012:role/any' } }];
      const a = await f.request('POST', `/rules/${name}`, JSON.stringify({ topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions } }));
      expectAwsShaped(a, `CreateTopicRule ${sql.slice(0, 200)}`);
      if (a.status >= 400) expect(a.headers['x-amzn-errortype'], a.body).toMatch(/^(SqlParseException|InvalidRequestException)/);
      for (const p of payloads) expectAwsShaped(await f.request('POST', `/topics/fz/${n}/x?qos=1`, p), 'Publish');
      if (a.status === 200) expectAwsShaped(await f.request('DELETE', `/rules/${name}`), 'DeleteTopicRule');
      if (n % 20 === 0) await f.canary();
      f.expectNoNewFailures();
    });
    await f.verifyHealthy();
  }, testTimeout());
});
