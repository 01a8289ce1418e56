import { ErrorKind } from './error-kind';

/**
 * The gRPC canonical status codes (google.rpc.Code), written out here so that mapping to them
 * needs no gRPC package until a gRPC edge exists.
 */
export enum GrpcStatus {
  Ok = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
}

const GRPC_STATUS: Readonly<Record<ErrorKind, GrpcStatus>> = {
  [ErrorKind.InvalidArgument]: GrpcStatus.InvalidArgument,
  [ErrorKind.NotFound]: GrpcStatus.NotFound,
  // Our conflicts are "an entity with this id already exists with other content".
  [ErrorKind.Conflict]: GrpcStatus.AlreadyExists,
  // What gRPC itself answers for a message above the receiver's size limit.
  [ErrorKind.PayloadTooLarge]: GrpcStatus.ResourceExhausted,
  // What gRPC itself answers for a message compressed with an encoding the receiver lacks.
  [ErrorKind.UnsupportedMediaType]: GrpcStatus.Unimplemented,
  // The id was erased: the request can succeed only after the system's state changes (readmission).
  [ErrorKind.Gone]: GrpcStatus.FailedPrecondition,
  [ErrorKind.Unauthenticated]: GrpcStatus.Unauthenticated,
  [ErrorKind.PermissionDenied]: GrpcStatus.PermissionDenied,
  [ErrorKind.ResourceExhausted]: GrpcStatus.ResourceExhausted,
  [ErrorKind.Unavailable]: GrpcStatus.Unavailable,
  [ErrorKind.Internal]: GrpcStatus.Internal,
};

/** The gRPC status an error of this kind is answered with. */
export function grpcStatusOf(kind: ErrorKind): GrpcStatus {
  return GRPC_STATUS[kind];
}
