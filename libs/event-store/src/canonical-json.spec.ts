import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = JSON.parse('{"b":1,"a":{"y":[1,{"q":2,"p":3}],"x":"s"}}') as unknown;
    const b = JSON.parse('{"a":{"x":"s","y":[1,{"p":3,"q":2}]},"b":1}') as unknown;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"s","y":[1,{"p":3,"q":2}]},"b":1}');
  });

  it('treats number spellings of the same value as the same data', () => {
    const a = JSON.parse('{"n":1.0,"m":1e2,"z":-0}') as unknown;
    const b = JSON.parse('{"n":1,"m":100,"z":0}') as unknown;
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('keeps array order and tells different data apart', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it('drops undefined properties like JSON does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(RangeError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
  });

  it('round-trips: parsing the canonical text gives the same canonical text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });

  it('is invariant under reordering the keys of an object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });
});
