import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { INGESTION_SERVICE, PROTO_FILES, QUERY_SERVICE, protoRoot } from '@cx/contracts';

/**
 * How every message is decoded: camelCase names (so a touchpoint reads like the REST body),
 * absent fields left out rather than defaulted (so "missing" stays missing), 64-bit positions as
 * numbers, enumerations as their names.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
  longs: Number,
  enums: String,
};

const FILE_OF_SERVICE: Readonly<Record<string, string>> = {
  [INGESTION_SERVICE]: PROTO_FILES.ingestion,
  [QUERY_SERVICE]: PROTO_FILES.query,
};

const definitions = new Map<string, PackageDefinition>();

/**
 * The files of these services and of the error details, as one package definition: what a
 * server binds, and what its reflection describes (only its own services, as the files hold them).
 */
export function grpcContract(
  services: readonly string[] = Object.keys(FILE_OF_SERVICE),
): PackageDefinition {
  const files = services.map((service) => {
    const file = FILE_OF_SERVICE[service];
    if (file === undefined) throw new Error(`no .proto file declares the service ${service}`);
    return file;
  });
  const key = files.join(',');
  let definition = definitions.get(key);
  if (definition === undefined) {
    definition = loadSync([...files, PROTO_FILES.status, PROTO_FILES.errorDetails], {
      ...PROTO_LOADER_OPTIONS,
      includeDirs: [protoRoot()],
    });
    definitions.set(key, definition);
  }
  return definition;
}

let errorTypes: protobuf.Root | undefined;

/** google.rpc.Status and its details, for encoding the `grpc-status-details-bin` trailer. */
export function errorDetailTypes(): protobuf.Root {
  if (errorTypes !== undefined) return errorTypes;
  const root = new protobuf.Root();
  const dir = protoRoot();
  root.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : `${dir}/${target}`;
  errorTypes = root.loadSync([PROTO_FILES.status, PROTO_FILES.errorDetails]);
  return errorTypes;
}
