import { readableLogLine } from './readable-log-line';

describe('readableLogLine', () => {
  it('shows a request line as method, route, status, duration and request id', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-02T12:03:05.123Z',
      service: 'ingestion',
      requestId: 'abc',
      method: 'POST',
      route: '/v1/touchpoints',
      status: 202,
      durationMs: 3.14159,
      msg: 'request',
    });
    expect(readableLogLine(line)).toBe('12:03:05 info  POST /v1/touchpoints 202 3.1 ms (req abc)');
  });

  it('shows a message with its context and the stack of an error', () => {
    const line = JSON.stringify({
      level: 'error',
      time: '2026-12-02T12:03:05.123Z',
      context: 'Relay',
      msg: 'send failed',
      err: { message: 'boom', stack: 'Error: boom\n    at x' },
    });
    expect(readableLogLine(line)).toBe('12:03:05 error [Relay] send failed\nError: boom\n    at x');
  });

  it('leaves anything that is not a JSON log line as it is', () => {
    expect(readableLogLine('plain text')).toBe('plain text');
    expect(readableLogLine('{not json')).toBe('{not json');
    expect(readableLogLine('{"a":1}')).toBe('{"a":1}');
  });
});
