import { dedupeTouchpoints, sameTouchpointData } from './dedupe';
import { deriveProfiles } from './profile';
import { tp } from './touchpoint-builders.test-support';

describe('dedupe', () => {
  it('compares as data: key order and undefined keys do not matter', () => {
    expect(sameTouchpointData({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1.0 })).toBe(true);
    expect(sameTouchpointData({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameTouchpointData({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameTouchpointData({ a: 1 }, { a: '1' })).toBe(false);
    expect(sameTouchpointData({ a: null }, { a: {} })).toBe(false);
  });

  it('same id counts once; first version wins; a different later one is a conflict', () => {
    const first = tp({ interaction: 'survey_response', survey: { nps: 10 }, touchpointId: 'x' });
    const same = { ...first };
    const other = { ...first, survey: { nps: 0 } };
    const r = dedupeTouchpoints([first, same, other]);
    expect(r.touchpoints).toEqual([first]);
    expect(r.conflicts).toEqual([{ touchpointId: 'x', kept: first, rejected: other }]);
  });

  it('deriveProfiles groups by customer, sorts by customerId (code units) and reports conflicts', () => {
    const a = tp({ interaction: 'exposure', customerId: 'b', touchpointId: '1' });
    const b = tp({ interaction: 'purchase', customerId: 'B', touchpointId: '2' });
    const c = tp({ interaction: 'inquiry', customerId: 'a', touchpointId: '3' });
    const clash = { ...c, interaction: 'evaluation' as const };
    const r = deriveProfiles([a, b, c, clash]);
    expect(r.profiles.map((p) => [p.customerId, p.stage, p.touchpoints])).toEqual([
      ['B', 'selection', 1],
      ['a', 'knowledge', 1],
      ['b', 'awareness', 1],
    ]);
    expect(r.conflicts.map((x) => x.touchpointId)).toEqual(['3']);
  });
});
