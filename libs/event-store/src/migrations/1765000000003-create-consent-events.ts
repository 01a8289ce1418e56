import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendOnlyStatements } from './append-only';

export class CreateConsentEvents1765000000003 implements MigrationInterface {
  name = 'CreateConsentEvents1765000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A customer's consent changes, as events: append-only, idempotent on consent_id.
    await queryRunner.query(`
      CREATE TABLE consent_events (
        position     BIGSERIAL PRIMARY KEY,
        consent_id   TEXT NOT NULL UNIQUE,
        customer_id  TEXT NOT NULL,
        purpose      TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
        effective_at TIMESTAMPTZ NOT NULL,
        recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        source       TEXT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX consent_events_customer_idx ON consent_events (customer_id, effective_at)',
    );
    for (const statement of appendOnlyStatements('consent_events'))
      await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE consent_events');
    await queryRunner.query('DROP FUNCTION consent_events_refuse_change()');
  }
}
