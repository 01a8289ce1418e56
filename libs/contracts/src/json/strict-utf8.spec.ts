import fc from 'fast-check';
import { decodeUtf8Strict, firstInvalidUtf8 } from './strict-utf8';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('decodeUtf8Strict', () => {
  it('decodes well-formed UTF-8 of every length, unchanged', () => {
    const text = 'a é € 😀 \u0000 \uffff \u{10ffff}';
    expect(decodeUtf8Strict(utf8(text))).toEqual({ ok: true, text });
    expect(decodeUtf8Strict(new Uint8Array(0))).toEqual({ ok: true, text: '' });
  });

  it('keeps a leading byte order mark, for the JSON parser to refuse by name', () => {
    expect(decodeUtf8Strict(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toEqual({
      ok: true,
      text: '\ufeff{}',
    });
  });

  it.each<[string, Uint8Array, number, string]>([
    ['a lone continuation byte', bytes(0x41, 0x80, 0x41), 1, 'unexpected continuation byte 0x80'],
    [
      'a byte that never appears in UTF-8',
      bytes(0x7b, 0xff),
      1,
      'byte 0xFF never appears in UTF-8',
    ],
    [
      '0xF5 (beyond U+10FFFF)',
      bytes(0xf5, 0x80, 0x80, 0x80),
      0,
      'byte 0xF5 never appears in UTF-8',
    ],
    ['Latin-1 é', bytes(0x22, 0xe9, 0x22), 1, 'truncated sequence'],
    [
      'a sequence cut short by the end',
      bytes(0x41, 0xe2, 0x82),
      1,
      'truncated multi-byte sequence at the end',
    ],
    ['a four-byte sequence cut short', bytes(0xf0, 0x9f, 0x98, 0x41), 0, 'truncated sequence'],
    ['overlong "/" in two bytes (C0 AF)', bytes(0xc0, 0xaf), 0, 'overlong encoding'],
    ['overlong NUL in two bytes (C0 80)', bytes(0x41, 0xc0, 0x80), 1, 'overlong encoding'],
    ['overlong "/" in three bytes (E0 80 AF)', bytes(0xe0, 0x80, 0xaf), 0, 'overlong encoding'],
    ['overlong U+07FF in three bytes', bytes(0xe0, 0x9f, 0xbf), 0, 'overlong encoding'],
    ['overlong U+FFFF in four bytes', bytes(0xf0, 0x8f, 0xbf, 0xbf), 0, 'overlong encoding'],
    [
      'encoded high surrogate U+D800',
      bytes(0xed, 0xa0, 0x80),
      0,
      'encoded UTF-16 surrogate (U+D800 to U+DFFF)',
    ],
    [
      'encoded low surrogate U+DFFF',
      bytes(0x41, 0xed, 0xbf, 0xbf),
      1,
      'encoded UTF-16 surrogate (U+D800 to U+DFFF)',
    ],
    [
      'CESU-8 surrogate pair',
      bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80),
      0,
      'encoded UTF-16 surrogate (U+D800 to U+DFFF)',
    ],
    ['U+110000', bytes(0xf4, 0x90, 0x80, 0x80), 0, 'code point above U+10FFFF'],
  ])('refuses %s, naming the offset and the reason', (_name, input, offset, reason) => {
    expect(decodeUtf8Strict(input)).toEqual({ ok: false, offset, reason });
  });

  it('accepts the boundaries next to the refused ranges', () => {
    for (const text of [
      '\u0080',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '\u{10000}',
      '\u{10ffff}',
    ]) {
      expect(decodeUtf8Strict(utf8(text))).toEqual({ ok: true, text });
    }
  });

  it('refuses exactly what the fatal WHATWG decoder refuses (property over arbitrary bytes)', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const valid = (input: Uint8Array): boolean => {
      try {
        strict.decode(input);
        return true;
      } catch {
        return false;
      }
    };
    // Mostly UTF-8 with a few stray bytes, so that both outcomes are common.
    const input = fc
      .tuple(
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.uint8Array({ maxLength: 4 }),
        fc.nat(),
      )
      .map(([text, stray, at]) => {
        const encoded = utf8(text);
        const cut = encoded.length === 0 ? 0 : at % encoded.length;
        return Uint8Array.from([...encoded.slice(0, cut), ...stray, ...encoded.slice(cut)]);
      });
    fc.assert(
      fc.property(fc.oneof(input, fc.uint8Array({ maxLength: 12 })), (b) => {
        expect(firstInvalidUtf8(b) === null).toBe(valid(b));
        expect(decodeUtf8Strict(b).ok).toBe(valid(b));
      }),
      { numRuns: 5_000 },
    );
  });
});
