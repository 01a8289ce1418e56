export type Utf8DecodeResult =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      /** Byte offset of the first byte of the offending sequence. */
      readonly offset: number;
      /** What is wrong there, e.g. `overlong encoding`. */
      readonly reason: string;
    };

/**
 * Fatal: invalid input throws instead of becoming U+FFFD. `ignoreBOM` keeps a leading byte order
 * mark in the text, so that the JSON parser refuses it by name rather than it vanishing here.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 strictly (the WHATWG decoder in fatal mode): invalid bytes, truncated and
 * overlong sequences, encoded surrogates and code points above U+10FFFF are refused, never
 * silently replaced. On failure it says where and why.
 */
export function decodeUtf8Strict(bytes: Uint8Array): Utf8DecodeResult {
  try {
    return { ok: true, text: decoder.decode(bytes) };
  } catch {
    // The decoder does not say where; the scan below does, and only runs for refused input.
    const problem = firstInvalidUtf8(bytes) ?? { offset: 0, reason: 'invalid byte sequence' };
    return { ok: false, ...problem };
  }
}

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

const isContinuation = (byte: number | undefined): boolean =>
  byte !== undefined && (byte & 0xc0) === 0x80;

/**
 * The first ill-formed sequence in `bytes` (Unicode 15, table 3-7), or null when all of it is
 * well-formed UTF-8. Agrees with the fatal decoder on what is refused.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; reason: string } | null {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) [length, min] = [2, 0x80];
    else if (b0 >= 0xe0 && b0 <= 0xef) [length, min] = [3, 0x800];
    else if (b0 >= 0xf0 && b0 <= 0xf4) [length, min] = [4, 0x10000];
    else if (b0 === 0xc0 || b0 === 0xc1) return { offset: i, reason: 'overlong encoding' };
    else if (b0 < 0xc0) return { offset: i, reason: `unexpected continuation byte ${hex(b0)}` };
    else return { offset: i, reason: `byte ${hex(b0)} never appears in UTF-8` };

    let codePoint = b0 & (0xff >> (length + 1));
    for (let k = 1; k < length; k += 1) {
      const b = bytes[i + k];
      if (!isContinuation(b)) {
        return {
          offset: i,
          reason:
            b === undefined ? 'truncated multi-byte sequence at the end' : 'truncated sequence',
        };
      }
      codePoint = (codePoint << 6) | ((b as number) & 0x3f);
    }
    if (codePoint < min) return { offset: i, reason: 'overlong encoding' };
    if (codePoint >= 0xd800 && codePoint <= 0xdfff)
      return { offset: i, reason: 'encoded UTF-16 surrogate (U+D800 to U+DFFF)' };
    if (codePoint > 0x10ffff) return { offset: i, reason: 'code point above U+10FFFF' };
    i += length;
  }
  return null;
}
