import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The gRPC contract, relative to the proto root: what servers and generated clients load. */
export const PROTO_FILES = {
  touchpoint: 'cx/journey/v1/touchpoint.proto',
  ingestion: 'cx/journey/v1/touchpoint_ingestion.proto',
  query: 'cx/journey/v1/customer_journey_query.proto',
  status: 'google/rpc/status.proto',
  errorDetails: 'google/rpc/error_details.proto',
} as const;

export const GRPC_PACKAGE = 'cx.journey.v1';
export const INGESTION_SERVICE = `${GRPC_PACKAGE}.TouchpointIngestion`;
export const QUERY_SERVICE = `${GRPC_PACKAGE}.CustomerJourneyQuery`;

let found: string | undefined;

/**
 * The directory holding the `.proto` files (`libs/contracts/proto`). The files are not compiled,
 * so both the sources and the build (`dist/libs/contracts/...`) find them by walking up to the
 * repository that holds them.
 */
export function protoRoot(): string {
  if (found !== undefined) return found;
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'libs', 'contracts', 'proto');
    if (existsSync(join(candidate, PROTO_FILES.ingestion))) {
      found = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no libs/contracts/proto above ${__dirname}`);
    dir = parent;
  }
}
