import { ErrorKind } from './error-kind';
import { GrpcStatus, grpcStatusOf } from './grpc-status';

describe('grpcStatusOf', () => {
  // The numbers are the wire values of google.rpc.Code; a typo in the enum would change them.
  it.each([
    [ErrorKind.InvalidArgument, 3],
    [ErrorKind.NotFound, 5],
    [ErrorKind.Conflict, 6],
    [ErrorKind.PayloadTooLarge, 8],
    [ErrorKind.UnsupportedMediaType, 12],
    [ErrorKind.Internal, 13],
    [ErrorKind.Gone, 9],
    [ErrorKind.Unauthenticated, 16],
    [ErrorKind.PermissionDenied, 7],
    [ErrorKind.ResourceExhausted, 8],
    [ErrorKind.Unavailable, 14],
  ])('answers %s with status %i', (kind, code) => {
    expect(grpcStatusOf(kind)).toBe(code);
  });

  it('never maps an error to OK', () => {
    for (const kind of Object.values(ErrorKind)) {
      expect(grpcStatusOf(kind)).not.toBe(GrpcStatus.Ok);
    }
  });
});
