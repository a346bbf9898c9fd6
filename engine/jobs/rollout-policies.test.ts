import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/index.js';
import { verifySigV4 } from '../security/index.js';
import { abortCriterionMet, type OutcomeCounts } from './abort-criteria.js';
import { applyDocumentParameters, documentParameterNames, parseDocumentParameters } from './document-parameters.js';
import { deadlineOf, inProgressDeadline, isPastDeadline, secondsBeforeTimedOut, stepDeadline } from './execution-deadlines.js';
import { parseAbortConfig, parseJobPolicies, parsePresignedUrlConfig, parseRetryConfig, parseRolloutConfig, parseStepTimeout, parseTimeoutConfig, type RolloutConfig } from './job-policies.js';
import { badPresignedPlaceholders, presignObjectUrl, resolvePresignedUrls } from './presigned-urls.js';
import { retryHistoryFor, shouldRetry } from './retry-policy.js';
import { recordNotified, rolloutAllowance, startRollout, type RolloutState } from './rollout-pacer.js';
import { parseS3ObjectUrl } from './s3-object-url.js';

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const MIN = 60_000;
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe('InvalidInput');
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

/** Runs a rollout minute by minute: each minute notifies what it may (up to `total`), `succeed(n)` says how many of them succeed. */
function simulate(config: RolloutConfig, total: number, minutes: number, succeed: (notified: number) => number = () => 0): number[] {
  let state: RolloutState = startRollout(config, T0);
  let notified = 0, succeeded = 0;
  const perMinute: number[] = [];
  for (let m = 0; m < minutes; m++) {
    let inMinute = 0;
    // Several sweeps a minute, as the service's interval does; each notifies what is allowed at that moment.
    for (const offset of [0, 15_000, 30_000, 45_000]) {
      const r = rolloutAllowance(config, state, T0 + m * MIN + offset, { notified, succeeded });
      const n = Math.min(r.allowed, total - notified);
      state = recordNotified(r.state, n);
      notified += n;
      inMinute += n;
      succeeded += succeed(n);
    }
    perMinute.push(inMinute);
  }
  return perMinute;
}

describe('rollout pacing', () => {
  it('notifies at most maximumPerMinute things each minute', () => {
    expect(simulate({ maximumPerMinute: 3 }, 10, 5)).toEqual([3, 3, 3, 1, 0]);
  });

  it('multiplies the rate by incrementFactor each time another numberOfNotifiedThings were notified', () => {
    const config = { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 2 } } };
    expect(simulate(config, 1000, 5)).toEqual([2, 4, 8, 16, 32]);
    // A threshold larger than a minute's notifications raises the rate only once enough things were notified.
    const slow = { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 5 } } };
    expect(simulate(slow, 1000, 6)).toEqual([2, 2, 2, 4, 4, 8]);
  });

  it('raises the rate on succeeded things only when they succeed, and caps it at maximumPerMinute', () => {
    const config = { maximumPerMinute: 5, exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: { numberOfSucceededThings: 1 } } };
    expect(simulate(config, 100, 3, () => 0)).toEqual([1, 1, 1]);
    expect(simulate(config, 100, 5, (n) => n)).toEqual([1, 2, 4, 5, 5]);
  });

  it('keeps an exponential rate without a maximum under AWS 1000 per minute', () => {
    const config = { exponentialRate: { baseRatePerMinute: 500, incrementFactor: 5, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } };
    expect(simulate(config, 10_000, 3)).toEqual([500, 1000, 1000]);
  });

  it('follows a maximumPerMinute changed by UpdateJob', () => {
    const state = recordNotified(startRollout({ maximumPerMinute: 10 }, T0), 10);
    expect(rolloutAllowance({ maximumPerMinute: 4 }, state, T0 + MIN, { notified: 10, succeeded: 0 }).allowed).toBe(4);
    const exp = { maximumPerMinute: 50, exponentialRate: { baseRatePerMinute: 40, incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } };
    expect(rolloutAllowance({ ...exp, maximumPerMinute: 5 }, startRollout(exp, T0), T0, { notified: 0, succeeded: 0 }).allowed).toBe(5);
  });

  it('counts a one-decimal factor exactly (1.5 × 2 = 3 per minute)', () => {
    const config = { exponentialRate: { baseRatePerMinute: 2, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfNotifiedThings: 2 } } };
    const r = rolloutAllowance(config, startRollout(config, T0), T0 + MIN, { notified: 2, succeeded: 0 });
    expect(r.state.ratePerMinute).toBe(3);
  });
});

describe('abort criteria', () => {
  const counts = (c: Partial<OutcomeCounts>): OutcomeCounts => ({ succeeded: 0, failed: 0, rejected: 0, timedOut: 0, ...c });
  const abort = parseAbortConfig({ criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 20, minNumberOfExecutedThings: 5 }] });

  it('waits for minNumberOfExecutedThings, then cancels at the threshold percentage', () => {
    expect(abortCriterionMet(abort, counts({ failed: 4 }))).toBeUndefined();
    expect(abortCriterionMet(abort, counts({ failed: 1, succeeded: 4 }))?.failureType).toBe('FAILED');
    expect(abortCriterionMet(abort, counts({ failed: 1, succeeded: 5 }))).toBeUndefined();
  });

  it('counts only its failure type, or all of them with ALL', () => {
    expect(abortCriterionMet(abort, counts({ rejected: 3, timedOut: 3 }))).toBeUndefined();
    const all = parseAbortConfig({ criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 50, minNumberOfExecutedThings: 4 }] });
    expect(abortCriterionMet(all, counts({ rejected: 1, timedOut: 1, succeeded: 2 }))?.failureType).toBe('ALL');
  });
});

describe('execution deadlines', () => {
  it('times out at the earlier of the in-progress and step deadlines', () => {
    const d = { inProgressDeadline: inProgressDeadline(T0, 10), stepDeadline: stepDeadline(undefined, 3, T0) };
    expect(deadlineOf(d)).toBe(T0 + 3 * MIN);
    expect(isPastDeadline(d, T0 + 3 * MIN - 1)).toBe(false);
    expect(isPastDeadline(d, T0 + 3 * MIN)).toBe(true);
    expect(secondsBeforeTimedOut(d, T0 + MIN)).toBe(120);
  });

  it('replaces a step timer with a new one, cancels it with -1 and keeps it when none is named', () => {
    const first = stepDeadline(undefined, 2, T0);
    expect(stepDeadline(first, undefined, T0 + MIN)).toBe(first);
    expect(stepDeadline(first, 5, T0 + MIN)).toBe(T0 + 6 * MIN);
    expect(stepDeadline(first, -1, T0 + MIN)).toBeUndefined();
    expect(isPastDeadline({}, T0 + 1e9)).toBe(false);
  });
});

describe('retries', () => {
  const config = parseRetryConfig({ criteriaList: [{ failureType: 'FAILED', numberOfRetries: 2 }, { failureType: 'TIMED_OUT', numberOfRetries: 1 }] });
  it('retries each failure type up to its number of retries', () => {
    expect(shouldRetry(config, 'FAILED', { failed: 1, timedOut: 0 })).toBe(true);
    expect(shouldRetry(config, 'FAILED', { failed: 2, timedOut: 0 })).toBe(false);
    expect(shouldRetry(config, 'TIMED_OUT', { failed: 2, timedOut: 0 })).toBe(true);
    expect(shouldRetry(config, 'TIMED_OUT', { failed: 0, timedOut: 1 })).toBe(false);
    expect(shouldRetry(config, 'REJECTED', { failed: 0, timedOut: 0 })).toBe(false);
  });
  it('counts both types together under ALL', () => {
    const all = parseRetryConfig({ criteriaList: [{ failureType: 'ALL', numberOfRetries: 2 }] });
    expect(shouldRetry(all, 'TIMED_OUT', { failed: 1, timedOut: 0 })).toBe(true);
    expect(shouldRetry(all, 'FAILED', { failed: 1, timedOut: 1 })).toBe(false);
  });
  it('derives the history from the statuses of the earlier attempts', () => {
    expect(retryHistoryFor(['FAILED', 'TIMED_OUT', 'FAILED'])).toEqual({ failed: 2, timedOut: 1 });
  });
});

describe('policy validation (AWS ranges and messages)', () => {
  it.each([
    [() => parseRolloutConfig({ maximumPerMinute: 0 }), "Value '0' at 'jobExecutionsRolloutConfig.maximumPerMinute' failed to satisfy constraint: Member must have value greater than or equal to 1"],
    [() => parseRolloutConfig({ maximumPerMinute: 1001 }), 'less than or equal to 1000'],
    [() => parseRolloutConfig({ exponentialRate: { baseRatePerMinute: 1, incrementFactor: 1.05, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } }), 'greater than or equal to 1.1'],
    [() => parseRolloutConfig({ exponentialRate: { baseRatePerMinute: 1, incrementFactor: 1.55, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } }), 'one digit after the decimal'],
    [() => parseRolloutConfig({ exponentialRate: { baseRatePerMinute: 1, incrementFactor: 2, rateIncreaseCriteria: {} } }), 'exactly one of'],
    [() => parseRolloutConfig({ exponentialRate: { incrementFactor: 2, rateIncreaseCriteria: { numberOfNotifiedThings: 1 } } }), "Value 'null' at 'jobExecutionsRolloutConfig.exponentialRate.baseRatePerMinute' failed to satisfy constraint: Member must not be null"],
    [() => parseAbortConfig({ criteriaList: [] }), "at 'abortConfig.criteriaList' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    [() => parseAbortConfig({ criteriaList: [{ failureType: 'LOST', action: 'CANCEL', thresholdPercentage: 1, minNumberOfExecutedThings: 1 }] }), 'Member must satisfy enum value set: [FAILED, REJECTED, TIMED_OUT, ALL]'],
    [() => parseAbortConfig({ criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 100.5, minNumberOfExecutedThings: 1 }] }), 'less than or equal to 100'],
    [() => parseAbortConfig({ criteriaList: [{ failureType: 'FAILED', action: 'CANCEL', thresholdPercentage: 10.999, minNumberOfExecutedThings: 1 }] }), 'two digits after the decimal'],
    [() => parseTimeoutConfig({ inProgressTimeoutInMinutes: 10081 }), 'less than or equal to 10080'],
    [() => parseRetryConfig({ criteriaList: [{ failureType: 'FAILED', numberOfRetries: 11 }] }), "at 'jobExecutionsRetryConfig.criteriaList.1.member.numberOfRetries' failed to satisfy constraint: Member must have value less than or equal to 10"],
    [() => parseRetryConfig({ criteriaList: [{ failureType: 'REJECTED', numberOfRetries: 1 }] }), 'Member must satisfy enum value set: [FAILED, TIMED_OUT, ALL]'],
    [() => parsePresignedUrlConfig({ expiresInSec: 59 }), 'greater than or equal to 60'],
    [() => parsePresignedUrlConfig({ expiresInSec: 3601 }), 'less than or equal to 3600'],
    [() => parseStepTimeout(0), 'greater than or equal to 1'],
    [() => parseStepTimeout(-1), 'greater than or equal to 1'],
  ])('refuses out-of-range values %#', (fn, text) => {
    expect(message(fn)).toContain(text);
  });

  it('keeps valid policies as given, and -1 as an update step timeout', () => {
    const body = {
      jobExecutionsRolloutConfig: { maximumPerMinute: 10, exponentialRate: { baseRatePerMinute: 2, incrementFactor: 1.5, rateIncreaseCriteria: { numberOfSucceededThings: 3 } } },
      abortConfig: { criteriaList: [{ failureType: 'ALL', action: 'CANCEL', thresholdPercentage: 12.5, minNumberOfExecutedThings: 2 }] },
      timeoutConfig: { inProgressTimeoutInMinutes: 5 },
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 3 }] },
      presignedUrlConfig: { roleArn: 'arn:aws:iam::000000000000:role/JobsS3', expiresInSec: 120 },
    };
    expect(parseJobPolicies(body)).toEqual(body);
    expect(parseStepTimeout(-1, { allowCancel: true })).toBe(-1);
  });
});

describe('job document parameters', () => {
  const doc = '{"url":"${aws:iot:parameter:url}","v":"${aws:iot:parameter:version}","again":"${aws:iot:parameter:url}"}';
  it('fills every placeholder, escaping values as JSON string content', () => {
    expect(documentParameterNames(doc)).toEqual(['url', 'version']);
    const out = applyDocumentParameters(doc, parseDocumentParameters({ url: 'https://x/"a"', version: '2.0' }));
    expect(JSON.parse(out)).toEqual({ url: 'https://x/"a"', v: '2.0', again: 'https://x/"a"' });
  });
  it('refuses a missing value, an unknown parameter and a bad name', () => {
    expect(message(() => applyDocumentParameters(doc, { url: 'u' }))).toContain('version');
    expect(message(() => applyDocumentParameters(doc, { url: 'u', version: '1', extra: 'x' }))).toContain('extra');
    expect(message(() => parseDocumentParameters({ 'bad name': 'x' }))).toContain("Value 'bad name' at 'documentParameters'");
  });
});

describe('S3 object URLs and presigned URLs', () => {
  it.each([
    ['https://s3.amazonaws.com/fw/v2/app.bin', { bucket: 'fw', key: 'v2/app.bin' }],
    ['https://s3.eu-west-1.amazonaws.com/fw/app%20one.bin', { bucket: 'fw', key: 'app one.bin' }],
    ['https://s3-eu-west-1.amazonaws.com/fw/a', { bucket: 'fw', key: 'a' }],
    ['https://fw.s3.amazonaws.com/dir/a.json', { bucket: 'fw', key: 'dir/a.json' }],
    ['https://my.bucket.s3.us-east-1.amazonaws.com/a.json', { bucket: 'my.bucket', key: 'a.json' }],
  ])('reads %s', (url, ref) => {
    expect(parseS3ObjectUrl(url)).toEqual(ref);
  });
  it.each(['s3://fw/a', 'http://s3.amazonaws.com/fw/a', 'https://example.com/fw/a', 'https://s3.amazonaws.com/fw', 'not a url'])('refuses %s', (url) => {
    expect(parseS3ObjectUrl(url)).toBeUndefined();
  });

  const key = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' };
  it('signs a URL the engine SigV4 verifier accepts until it expires', () => {
    const url = new URL(presignObjectUrl('http://127.0.0.1:4566', { bucket: 'fw', key: 'v 2/app.bin' }, key, T0, 60));
    expect(url.pathname).toBe('/fw/v%202/app.bin');
    const req = { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host }, body: Buffer.alloc(0) };
    expect(verifySigV4(req, [key], T0 + 59_000)).toEqual({ ok: true, accessKeyId: 'AKIDLOCAL' });
    expect(verifySigV4(req, [key], T0 + 61_000)).toMatchObject({ ok: false, type: 'InvalidSignatureException', message: expect.stringContaining('Signature expired') });
    expect(verifySigV4(req, [{ ...key, secretAccessKey: 'other' }], T0)).toMatchObject({ ok: false });
  });

  it('replaces each placeholder in a document by a presigned URL', () => {
    const doc = '{"files":[{"url":"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/fw/app.bin}"}]}';
    const out = JSON.parse(resolvePresignedUrls(doc, { endpoint: () => 'http://127.0.0.1:4566', key: () => key, now: () => T0 }, 300));
    expect(out.files[0].url).toMatch(/^http:\/\/127\.0\.0\.1:4566\/fw\/app\.bin\?.*X-Amz-Expires=300.*X-Amz-Signature=[0-9a-f]{64}$/);
    expect(badPresignedPlaceholders('"${aws:iot:s3-presigned-url:ftp://x/y}"')).toEqual(['ftp://x/y']);
  });
});
