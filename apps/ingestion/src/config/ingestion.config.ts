import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@cx/platform';

/** The ingestion service's environment, validated at boot; the defaults run locally. */
export class IngestionConfig extends ServiceConfig {
  /** 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** The gRPC port (TouchpointIngestion), on HOST like HTTP; 0 picks a free port, logged. */
  @Type(() => Number)
  @IsInt({ message: 'GRPC_PORT must be a port number from 0 to 65535' })
  @Min(0, { message: 'GRPC_PORT must be a port number from 0 to 65535' })
  @Max(65535, { message: 'GRPC_PORT must be a port number from 0 to 65535' })
  GRPC_PORT = 50051;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cx_journey';

  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, {
    message: 'KAFKA_BROKERS must be host:port[,host:port…]',
  })
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** The key store's database; default: DATABASE_URL's database name with `_keys`, created if missing. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'CX_KEYSTORE_URL must be a postgres:// URL' })
  CX_KEYSTORE_URL?: string;

  /** base64 of 32 bytes; unset means the development key (the cipher warns). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'CX_MASTER_KEY must be base64 of exactly 32 bytes' })
  CX_MASTER_KEY?: string;

  /** `on` consumes cx.touchpoints.inbound.v1 into the event store; `off` leaves the topic alone. */
  @IsIn(['on', 'off'], { message: 'CX_INBOUND must be on or off' })
  CX_INBOUND: 'on' | 'off' = 'on';

  /** Consumer group of the inbound topic; its offsets live in the database (`inbound_offsets`). */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'CX_INBOUND_GROUP must be a Kafka group id' })
  CX_INBOUND_GROUP = 'cx-ingestion-inbound';
}
