import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@cx/platform';

/**
 * The query service's environment, validated at boot; the defaults run locally. Numeric fields are
 * annotated: without it the emitted design type is Object and env strings are not converted.
 */
export class QueryConfig extends ServiceConfig {
  /** 0 picks a free port (tests). */
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3001;

  /** The gRPC port (CustomerJourneyQuery), on HOST like HTTP; 0 picks a free port, logged. */
  @IsInt({ message: 'GRPC_PORT must be a port number from 0 to 65535' })
  @Min(0, { message: 'GRPC_PORT must be a port number from 0 to 65535' })
  @Max(65535, { message: 'GRPC_PORT must be a port number from 0 to 65535' })
  GRPC_PORT: number = 50052;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cx_journey';

  /** The key store's database; default: DATABASE_URL's database name with `_keys`, created if missing. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'CX_KEYSTORE_URL must be a postgres:// URL' })
  CX_KEYSTORE_URL?: string;

  /** base64 of 32 bytes, to decrypt personal fields on the timeline; unset means the development key. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'CX_MASTER_KEY must be base64 of exactly 32 bytes' })
  CX_MASTER_KEY?: string;

  /** How long a `minPosition` read waits for the projection when the request gives no `waitMs`. */
  @IsInt()
  @Min(0)
  @Max(30_000)
  QUERY_DEFAULT_WAIT_MS: number = 5000;
}
