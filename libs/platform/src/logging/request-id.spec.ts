import { requestIdFor } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  it("keeps a caller's id made of safe characters", () => {
    expect(requestIdFor('req-42.a_b:c@d/e+f=')).toBe('req-42.a_b:c@d/e+f=');
    expect(requestIdFor(['first', 'second'])).toBe('first');
  });

  it('generates a UUID when none is given', () => {
    expect(requestIdFor(undefined)).toMatch(UUID);
    expect(requestIdFor('')).toMatch(UUID);
  });

  it('replaces, never echoes, an id that could break a log line or a header', () => {
    for (const hostile of ['a b', 'a"b', 'a\nb', 'x'.repeat(129), 'ü', '<script>']) {
      expect(requestIdFor(hostile)).toMatch(UUID);
    }
  });
});
