import { describe, expect, it } from 'vitest';
import { applyField, completeField } from '../../renderer/src/state/models/fleet-completion.js';

const fields = ['thingName', 'thingTypeName', 'thingGroupNames', 'connectivity.connected', 'attributes.floor', 'attributes.room', 'shadow.reported.temp', 'shadow.reported.pump.rpm'];

describe('fleet-search completion', () => {
  it('completes the field name at the caret, in any term of the query', () => {
    expect(completeField('attr', 4, fields)).toEqual({ start: 0, end: 4, options: ['attributes.floor', 'attributes.room'] });
    const text = 'thingName:k* AND (conn';
    const c = completeField(text, text.length, fields)!;
    expect(c.options).toEqual(['connectivity.connected']);
    expect(applyField(text, c, c.options[0])).toEqual({ text: 'thingName:k* AND (connectivity.connected:', caret: 41 });
  });

  it('matches regardless of case and puts shallower fields first', () => {
    expect(completeField('THING', 5, fields)?.options).toEqual(['thingGroupNames', 'thingName', 'thingTypeName']);
    expect(completeField('shadow.rep', 10, fields)?.options).toEqual(['shadow.reported.temp', 'shadow.reported.pump.rpm']);
  });

  it('replaces the whole term when the caret is inside it, up to its colon', () => {
    const text = 'attrib:2 AND thingName:x';
    const c = completeField(text, 4, fields);
    expect(c).toBeNull(); // `attrib:` already has its colon: a value follows
    const t2 = 'attrib AND thingName:x';
    const c2 = completeField(t2, 4, fields)!;
    expect(applyField(t2, c2, 'attributes.room')).toEqual({ text: 'attributes.room: AND thingName:x', caret: 16 });
  });

  it('leaves values, empty terms and complete names alone', () => {
    expect(completeField('attributes.floor:2', 18, fields)).toBeNull();
    expect(completeField('thingName:k* AND ', 17, fields)).toBeNull();
    expect(completeField('thingName', 9, ['thingName'])).toBeNull();
    expect(completeField('zzz', 3, fields)).toBeNull();
  });
});
