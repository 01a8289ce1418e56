import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** The projector's environment, validated at boot; the defaults run locally. */
export class ProjectorConfig {
  /** Health and metrics; 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3002;

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cx_journey';

  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, {
    message: 'KAFKA_BROKERS must be host:port[,host:port…]',
  })
  KAFKA_BROKERS = '127.0.0.1:9092';

  /** Consumer group `<app>.<projection>`; its offsets live in `projection_offsets`. */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'PROJECTOR_GROUP must be a Kafka group id' })
  PROJECTOR_GROUP = 'projector.customer-profiles';

  /** Messages applied per transaction (a Kafka batch is split into chunks of this size). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20000)
  PROJECTOR_CHUNK = 2000;

  /** Partitions of one instance applied at the same time, each on its own connection. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(6)
  PROJECTOR_CONCURRENCY = 3;

  /** How long a silent instance keeps its partitions before the group hands them on. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(6000)
  @Max(300000)
  PROJECTOR_SESSION_TIMEOUT_MS = 30000;
}
