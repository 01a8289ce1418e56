import { HTTP_SERVER_LIMITS, clientErrorAnswer } from './http-server';

describe('clientErrorAnswer', () => {
  it('answers headers over the limit with 431 headers_too_large', () => {
    expect(clientErrorAnswer('HPE_HEADER_OVERFLOW')).toEqual({
      status: 431,
      reason: 'Request Header Fields Too Large',
      body: {
        error: 'headers_too_large',
        details: [
          {
            path: '',
            message: `request line and headers larger than ${HTTP_SERVER_LIMITS.maxHeaderBytes} bytes`,
          },
        ],
      },
    });
  });

  it.each([
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'payload_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'bad_request'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'bad_request'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'bad_request'],
    ['', 400, 'bad_request'],
  ])('answers %s with %i %s and one issue at path ""', (code, status, error) => {
    const answer = clientErrorAnswer(code);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(answer.body.details).toEqual([{ path: '', message: expect.any(String) as unknown }]);
  });
});
