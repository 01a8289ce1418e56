import { AppException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { parseJsonBody } from './json-body.middleware';
import { DUPLICATE_KEY_MESSAGE } from '@cx/contracts';

function refusal(body: Uint8Array | string): AppException {
  const r = parseJsonBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  if (!('error' in r)) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  expect(r.error).toBeInstanceOf(AppException);
  expect(r.error.kind).toBe(ErrorKind.InvalidArgument);
  return r.error;
}

describe('parseJsonBody', () => {
  it('returns the value of a strict UTF-8 JSON body', () => {
    expect(parseJsonBody(Buffer.from('{"text":"é 😀 \\ud83d\\ude00"}'))).toEqual({
      value: { text: 'é 😀 😀' },
    });
  });

  it('refuses bytes that are not UTF-8 with invalid_encoding, never rewriting them to U+FFFD', () => {
    const body = Buffer.concat([
      Buffer.from('{"text":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const error = refusal(body);
    expect(error.code).toBe('invalid_encoding');
    expect(error.details).toEqual([
      { path: '', message: 'request body is not valid UTF-8: truncated sequence at byte 12' },
    ]);
  });

  it('refuses an overlong encoding and an encoded surrogate', () => {
    expect(refusal(Uint8Array.from([0x22, 0xc0, 0xaf, 0x22])).details[0]?.message).toBe(
      'request body is not valid UTF-8: overlong encoding at byte 1',
    );
    expect(refusal(Uint8Array.from([0x22, 0xed, 0xa0, 0x80, 0x22])).code).toBe('invalid_encoding');
  });

  it('refuses duplicate keys at any depth with duplicate_key and one issue per path', () => {
    const error = refusal(
      '{"touchpoints":[{"customerId":"a","customerId":"b"},{"survey":{"nps":1,"nps":2}}]}',
    );
    expect(error.code).toBe('duplicate_key');
    expect(error.details).toEqual([
      { path: 'touchpoints[0].customerId', message: DUPLICATE_KEY_MESSAGE },
      { path: 'touchpoints[1].survey.nps', message: DUPLICATE_KEY_MESSAGE },
    ]);
  });

  it('refuses malformed JSON with malformed_json at path "", saying where', () => {
    const error = refusal('{"a":1,}');
    expect(error.code).toBe('malformed_json');
    expect(error.details).toEqual([
      { path: '', message: "malformed JSON: expected a string key at position 7, found '}'" },
    ]);
    expect(refusal('').details[0]?.message).toBe(
      'malformed JSON: expected a JSON value at position 0, found end of input',
    );
    expect(refusal('\ufeff{}').details[0]?.message).toMatch(/byte order mark/);
  });
});
