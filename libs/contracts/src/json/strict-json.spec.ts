import fc from 'fast-check';
import { DUPLICATE_KEY_MESSAGE, parseStrictJson, type StrictJsonResult } from './strict-json';

function value(text: string): unknown {
  const r = parseStrictJson(text);
  if (!r.ok) throw new Error(`expected a value, got ${JSON.stringify(r)}`);
  return r.value;
}

function syntaxError(text: string): Extract<StrictJsonResult, { error: 'syntax' }> {
  const r = parseStrictJson(text);
  if (r.ok || r.error !== 'syntax')
    throw new Error(`expected a syntax error, got ${JSON.stringify(r)}`);
  return r;
}

function duplicatePaths(text: string): string[] {
  const r = parseStrictJson(text);
  if (r.ok || r.error !== 'duplicate_key')
    throw new Error(`expected duplicate keys, got ${JSON.stringify(r)}`);
  expect(r.issues.every((i) => i.message === DUPLICATE_KEY_MESSAGE)).toBe(true);
  return r.issues.map((i) => i.path);
}

describe('parseStrictJson', () => {
  describe('parses what JSON.parse parses, to the same value', () => {
    it.each([
      'null',
      'true',
      'false',
      '0',
      '-0',
      '1.5e3',
      '-12.25E-2',
      '1e400',
      '-1e400',
      '123456789012345678901234567890',
      '""',
      '"plain"',
      '[]',
      '{}',
      ' \t\n\r[ 1 , { "a" : [ ] } ] \n',
      '{"a":{"b":{"c":[1,2,{"d":null}]}}}',
    ])('%s', (text) => {
      expect(value(text)).toEqual(JSON.parse(text));
    });

    it('keeps the sign of -0 and turns out-of-range numbers into Infinity, as JSON.parse', () => {
      expect(Object.is(value('-0'), -0)).toBe(true);
      expect(value('[1e400,-1e400,1e-400]')).toEqual([Infinity, -Infinity, 0]);
    });

    it('any JSON text produced by JSON.stringify (property)', () => {
      fc.assert(
        fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => {
          const text = JSON.stringify(v, null, pretty ? 2 : undefined);
          expect(value(text)).toEqual(JSON.parse(text));
        }),
        { numRuns: 500 },
      );
    });

    it('strings with every escape, astral characters and escaped surrogate pairs', () => {
      expect(value('"\\" \\\\ \\/ \\b \\f \\n \\r \\t"')).toBe('" \\ / \b \f \n \r \t');
      expect(value('"\\u0041\\u00e9\\u20AC"')).toBe('Aé€');
      expect(value('"😀 \\ud83d\\ude00"')).toBe('😀 😀');
      expect(value('"\\u0000"')).toBe('\u0000');
    });

    it('keeps escaped lone surrogates: valid JSON, refused later by whoever stores text', () => {
      expect(value('"a\\ud800b"')).toBe('a\ud800b');
      expect(value('"\\udc00\\ud800"')).toBe('\udc00\ud800');
      expect(value('{"\\ud800":1}')).toEqual({ '\ud800': 1 });
    });

    it('makes __proto__ an own key, as JSON.parse does, without touching any prototype', () => {
      const v = value('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
      expect(Object.keys(v)).toEqual(['__proto__', 'a']);
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(v).toEqual(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
    });

    it('nests 100,000 levels deep without overflowing the stack', () => {
      const depth = 100_000;
      let v = value(`${'['.repeat(depth)}${']'.repeat(depth)}`);
      for (let i = 1; i < depth; i += 1) v = (v as unknown[])[0];
      expect(v).toEqual([]);
      const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      expect(parseStrictJson(objects).ok).toBe(true);
    });
  });

  describe('refuses what is not RFC 8259 JSON, saying where', () => {
    it.each([
      ['', 'expected a JSON value at position 0, found end of input'],
      ['   ', 'expected a JSON value at position 3, found end of input'],
      ['{', 'expected a string key at position 1, found end of input'],
      ['{"a":1,}', "expected a string key at position 7, found '}'"],
      ['[1,]', "expected a JSON value at position 3, found ']'"],
      ['[1 2]', "expected ',' or ']' at position 3, found '2'"],
      ['{"a" 1}', "expected ':' at position 5, found '1'"],
      ['{a:1}', "expected a string key at position 1, found 'a'"],
      ["{'a':1}", "expected a string key at position 1, found '''"],
      ['01', "expected end of input at position 1, found '1'"],
      ['1.', "expected end of input at position 1, found '.'"],
      ['.5', "expected a JSON value at position 0, found '.'"],
      ['+1', "expected a JSON value at position 0, found '+'"],
      ['-', "expected a number at position 0, found '-'"],
      ['NaN', "expected a JSON value at position 0, found 'N'"],
      ['Infinity', "expected a JSON value at position 0, found 'I'"],
      ['tru', "expected a JSON value at position 0, found 't'"],
      ['truex', "expected end of input at position 4, found 'x'"],
      ['nul', "expected a JSON value at position 0, found 'n'"],
      ['[1] [2]', "expected end of input at position 4, found '['"],
      ['/* c */ 1', "expected a JSON value at position 0, found '/'"],
      ['\ufeff{}', 'expected a JSON value at position 0, found U+FEFF (byte order mark)'],
      ['\u00a0{}', 'expected a JSON value at position 0, found U+00A0'],
      ['"abc', 'unterminated string starting at position 0'],
      ['"a\u0001b"', 'control character U+0001 in a string at position 2 (it must be escaped)'],
      ['"a\nb"', 'control character U+000A in a string at position 2 (it must be escaped)'],
      ['"\\x41"', 'invalid escape \\x at position 1'],
      ['"\\u12"', 'invalid \\u escape at position 1'],
      ['"\\u12G4"', 'invalid \\u escape at position 1'],
      ['"\\', 'invalid escape \\ at position 1'],
    ])('%p', (text, message) => {
      const error = syntaxError(text);
      expect(error.message).toBe(message);
      expect(() => JSON.parse(text) as unknown).toThrow();
    });

    it('refuses whatever JSON.parse refuses (property over near-JSON text)', () => {
      const fragments = fc.constantFrom(
        ...['{', '}', '[', ']', ',', ':', '"', '\\', 'a', '1', '-', '.', 'e', 'true', 'null'],
        ...[' ', '\n', '"k"', '\\u00', '0', '\u0000', '\ud800', '😀', '\ufeff', '+', 'E'],
      );
      fc.assert(
        fc.property(fc.array(fragments, { maxLength: 12 }), (parts) => {
          const text = parts.join('');
          let expected: unknown;
          try {
            expected = JSON.parse(text);
          } catch {
            expect(parseStrictJson(text)).toMatchObject({ ok: false, error: 'syntax' });
            return;
          }
          const r = parseStrictJson(text);
          if (r.ok) expect(r.value).toEqual(expected);
          else expect(r.error).toBe('duplicate_key');
        }),
        { numRuns: 5000 },
      );
    });
  });

  describe('duplicate keys', () => {
    it('at the top level', () => {
      expect(duplicatePaths('{"customerId":"a","x":1,"customerId":"b"}')).toEqual(['customerId']);
    });

    it('at any depth, named by their path through objects and arrays', () => {
      const text = JSON.stringify({
        touchpoints: [{ a: 1 }, { a: 1 }, { a: 1 }, { survey: { nps: 1 } }],
      })
        .replace('{"survey":{"nps":1}}', '{"survey":{"nps":1,"nps":2}}')
        .replace('[{"a":1}', '[{"a":1,"b":[{"c":0,"c":0}]}');
      expect(duplicatePaths(text)).toEqual(['touchpoints[0].b[0].c', 'touchpoints[3].survey.nps']);
      expect(duplicatePaths('[[{"k":1}],[{"k":1,"k":2}]]')).toEqual(['[1][0].k']);
    });

    it('compares keys after unescaping', () => {
      expect(duplicatePaths('{"a":1,"\\u0061":2}')).toEqual(['a']);
      expect(duplicatePaths('{"é":1,"\\u00e9":2}')).toEqual(['é']);
      expect(duplicatePaths('{"😀":1,"\\ud83d\\ude00":2}')).toEqual(['😀']);
    });

    it('tells keys that differ only by escaping a different character apart', () => {
      expect(value('{"a":1,"A":2,"a ":3," a":4}')).toEqual({ a: 1, A: 2, 'a ': 3, ' a': 4 });
    });

    it('counts every repetition, also of __proto__ and keys of Object.prototype', () => {
      expect(duplicatePaths('{"k":1,"k":2,"k":3}')).toEqual(['k', 'k']);
      expect(duplicatePaths('{"__proto__":1,"__proto__":2}')).toEqual(['__proto__']);
      expect(value('{"toString":1,"hasOwnProperty":2}')).toEqual({
        toString: 1,
        hasOwnProperty: 2,
      });
      expect(duplicatePaths('{"constructor":1,"constructor":2}')).toEqual(['constructor']);
    });

    it('does not confuse equal keys in sibling objects', () => {
      expect(value('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
      expect(value('{"a":{"a":{"a":1}}}')).toEqual({ a: { a: { a: 1 } } });
    });

    it('names a key with a lone surrogate as printable text', () => {
      expect(duplicatePaths('{"x\\ud800":1,"x\\ud800":2}')).toEqual(['x\\ud800']);
    });

    it('names at most maxIssues, then sums up the rest', () => {
      const text = `{${Array.from({ length: 5 }, () => '"k":1').join(',')}}`;
      const r = parseStrictJson(text, { maxIssues: 2 });
      expect(r).toEqual({
        ok: false,
        error: 'duplicate_key',
        issues: [
          { path: 'k', message: DUPLICATE_KEY_MESSAGE },
          { path: 'k', message: DUPLICATE_KEY_MESSAGE },
          { path: '', message: 'and 2 more duplicate keys' },
        ],
      });
    });

    it('reports a syntax error rather than duplicates when the text is not JSON at all', () => {
      expect(parseStrictJson('{"a":1,"a":2')).toMatchObject({ ok: false, error: 'syntax' });
    });
  });

  it('parses a 5 MB batch in well under a second', () => {
    const item = {
      touchpointId: 'tp-000001',
      customerId: 'c-1',
      occurredAt: '2025-01-03T10:00:00Z',
      channel: 'chat',
      interaction: 'feedback',
      text: `quoted \\"text\\" é 😀 ${'x'.repeat(4000)}`,
      attributes: { queue: 'billing', priority: 2, vip: true, none: null },
    };
    const text = JSON.stringify({ touchpoints: Array.from({ length: 1000 }, () => item) });
    expect(text.length).toBeGreaterThan(4_000_000);
    const started = performance.now();
    const r = parseStrictJson(text);
    const ms = performance.now() - started;
    expect(r.ok && r.value).toEqual(JSON.parse(text));
    expect(ms).toBeLessThan(1000);
  });
});
