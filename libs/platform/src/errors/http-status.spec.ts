import { ErrorKind } from './error-kind';
import { httpStatusOf } from './http-status';

describe('httpStatusOf', () => {
  it.each([
    [ErrorKind.InvalidArgument, 400],
    [ErrorKind.NotFound, 404],
    [ErrorKind.Conflict, 409],
    [ErrorKind.PayloadTooLarge, 413],
    [ErrorKind.UnsupportedMediaType, 415],
    [ErrorKind.Gone, 410],
    [ErrorKind.Unauthenticated, 401],
    [ErrorKind.PermissionDenied, 403],
    [ErrorKind.ResourceExhausted, 429],
    [ErrorKind.Unavailable, 503],
    [ErrorKind.Internal, 500],
  ])('answers %s with %i', (kind, status) => {
    expect(httpStatusOf(kind)).toBe(status);
  });

  it('maps every kind to an error status', () => {
    for (const kind of Object.values(ErrorKind)) {
      expect(httpStatusOf(kind)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(kind)).toBeLessThan(600);
    }
  });
});
