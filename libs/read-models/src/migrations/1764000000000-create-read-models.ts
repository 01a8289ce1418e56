import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APPLIED_TOUCHPOINTS, CUSTOMER_PROFILES } from '../schema/read-model.schema';
import { createStatements } from '../schema/table-schema';

/** Per-customer read models kept by the projector, its consumed offsets and its insight outbox. */
export class CreateReadModels1764000000000 implements MigrationInterface {
  name = 'CreateReadModels1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of [
      ...createStatements(APPLIED_TOUCHPOINTS),
      ...createStatements(CUSTOMER_PROFILES),
    ]) {
      await queryRunner.query(statement);
    }
    await queryRunner.query(`
      CREATE TABLE projection_offsets (
        consumer_group TEXT NOT NULL,
        topic          TEXT NOT NULL,
        partition      INT NOT NULL,
        next_offset    BIGINT NOT NULL,
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE insight_outbox (
        position    BIGSERIAL PRIMARY KEY,
        customer_id TEXT NOT NULL,
        event_type  TEXT NOT NULL,
        payload     JSONB NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `INSERT INTO relay_checkpoints (name, position) VALUES ('customer-insights', 0)
       ON CONFLICT (name) DO NOTHING`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM relay_checkpoints WHERE name = 'customer-insights'`);
    await queryRunner.query('DROP TABLE insight_outbox');
    await queryRunner.query('DROP TABLE projection_offsets');
    await queryRunner.query(`DROP TABLE ${CUSTOMER_PROFILES.name}`);
    await queryRunner.query(`DROP TABLE ${APPLIED_TOUCHPOINTS.name}`);
  }
}
