import { projections } from '../projections/projection-registry';

const PROJECTIONS = projections({ optInPurposes: new Set() });
import { selectProjections, UnknownProjectionError } from './projections-rebuild.command';

describe('cx projections rebuild: choosing projections', () => {
  it('takes every registered projection when none is named', () => {
    expect(selectProjections(PROJECTIONS, [])).toEqual([...PROJECTIONS]);
  });

  it('takes the named ones', () => {
    expect(selectProjections(PROJECTIONS, ['customer-profiles']).map((p) => p.name)).toEqual([
      'customer-profiles',
    ]);
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => selectProjections(PROJECTIONS, ['nope'])).toThrow(UnknownProjectionError);
    expect(() => selectProjections(PROJECTIONS, ['nope'])).toThrow(/known: customer-profiles/);
  });
});
