import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddTouchpointTraceContext1765000000004 implements MigrationInterface {
  name = 'AddTouchpointTraceContext1765000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The W3C trace context of the request that recorded the event, so the relay can carry it to
    // Kafka. Nullable without a default: adding the columns rewrites no row (and so never trips
    // the append-only trigger); events recorded before, or without a context, keep NULL.
    await queryRunner.query(`
      ALTER TABLE touchpoint_events
        ADD COLUMN traceparent TEXT NULL,
        ADD COLUMN tracestate  TEXT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE touchpoint_events DROP COLUMN tracestate, DROP COLUMN traceparent',
    );
  }
}
