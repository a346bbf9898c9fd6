/**
 * The `junit` reporter: JUnit XML as CI systems read it: a testsuite per scenario, a testcase per top-level step (its
 * nested steps in system-out), `<failure>` with the message and the expected-beside-seen text, `<skipped/>` for steps
 * after a failure, `<error>` for an aborted step.
 */
import type { TypedEmitter } from '../../core/index.js';
import type { RunResult, ScenarioEvents, StepRecord } from '../run/events.js';
import { failureText, stepTitle } from './failure-text.js';

/** XML 1.0 text: markup characters escaped, characters XML cannot carry dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function nested(r: StepRecord, depth = 0): string[] {
  return r.children.flatMap((c) => [`${'  '.repeat(depth)}${c.status} ${stepTitle(c)}${c.note ? `: ${c.note}` : ''}${c.message ? `: ${c.message}` : ''}`, ...nested(c, depth + 1)]);
}

function testcase(r: StepRecord, suite: string, cleanup = false): string {
  const attrs = `name="${xmlEscape(`${cleanup ? 'cleanup ' : ''}${stepTitle(r)}`)}" classname="${xmlEscape(suite)}" time="${seconds(r.durationMs)}"`;
  const body: string[] = [];
  if (r.status === 'failed') body.push(`<failure message="${xmlEscape(r.message ?? 'failed')}" type="expectation">${xmlEscape(failureText(r))}</failure>`);
  if (r.status === 'aborted') body.push(`<error message="${xmlEscape(r.message ?? 'aborted')}" type="aborted">${xmlEscape(failureText(r))}</error>`);
  if (r.status === 'skipped') body.push('<skipped message="an earlier step failed"/>');
  const out = nested(r);
  if (out.length) body.push(`<system-out>${xmlEscape(out.join('\n'))}</system-out>`);
  return body.length ? `    <testcase ${attrs}>\n      ${body.join('\n      ')}\n    </testcase>` : `    <testcase ${attrs}/>`;
}

export function junitXml(r: RunResult, timestamp = new Date()): string {
  const cases = [...r.steps.map((s) => ({ s, cleanup: false })), ...r.cleanup.map((s) => ({ s, cleanup: true }))];
  const failures = cases.filter((c) => c.s.status === 'failed').length;
  const errors = cases.filter((c) => c.s.status === 'aborted').length + r.cleanupErrors.length;
  const skipped = cases.filter((c) => c.s.status === 'skipped').length;
  const time = seconds(r.durationMs);
  const props = [['file', r.file], ['target', r.target], ['seed', String(r.seed)], ['deterministic', String(r.deterministic)]]
    .map(([k, v]) => `      <property name="${k}" value="${xmlEscape(v)}"/>`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="thingbench" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${xmlEscape(r.scenario)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${timestamp.toISOString().replace(/\.\d+Z$/, '')}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases.map((c) => testcase(c.s, r.scenario, c.cleanup)),
    ...(r.cleanupErrors.length ? [`    <system-err>${xmlEscape(r.cleanupErrors.map((e) => `cleanup: ${e}`).join('\n'))}</system-err>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function junitReporter(out: NodeJS.WritableStream) {
  return {
    attach(events: TypedEmitter<ScenarioEvents>) {
      events.on('run.finished', (r) => out.write(junitXml(r)));
    },
  };
}
