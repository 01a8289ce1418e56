import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddConsentTransaction1765000000005 implements MigrationInterface {
  name = 'AddConsentTransaction1765000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The id of the transaction that recorded each change. Positions are handed out before COMMIT,
    // so a reader following positions could pass one that commits late; every transaction below
    // the snapshot's xmin has ended, so a reader following `tx` up to it misses none. Rows recorded
    // before this column get the migration's own id (the rewrite does not fire row triggers).
    await queryRunner.query(
      'ALTER TABLE consent_events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id()',
    );
    await queryRunner.query('CREATE INDEX consent_events_tx_idx ON consent_events (tx)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE consent_events DROP COLUMN tx');
  }
}
