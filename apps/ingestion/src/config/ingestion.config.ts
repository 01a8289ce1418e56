import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@cx/platform';

/** The ingestion service's environment, validated at boot; the defaults run locally. */
export class IngestionConfig extends ServiceConfig {
  /** 0 picks a free port (tests). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

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
}
