import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PROFILE_CHECKPOINT, PROFILE_OUTBOX_TABLE } from '../profile-outbox';
import { CUSTOMER_PROFILES } from '../schema/read-model.schema';

/**
 * The outbox of `cx.customer-profiles.v1` and its relay checkpoint. It starts with every profile
 * already stored (erased customers left out), in customer order, so that on a database that held
 * customers before this version a consumer reading the topic from the start still gets everyone.
 */
export class CreateProfileOutbox1767000000000 implements MigrationInterface {
  name = 'CreateProfileOutbox1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `profile` is JSON, not JSONB, like the read model's column: the relay sends the stored text.
    // A null profile is a tombstone; `erased_at` says when the erasure that queued it happened.
    await queryRunner.query(`
      CREATE TABLE ${PROFILE_OUTBOX_TABLE} (
        position         BIGSERIAL PRIMARY KEY,
        customer_id      TEXT NOT NULL,
        profile          JSON NULL,
        profile_position BIGINT NULL,
        erased_at        TIMESTAMPTZ NULL,
        created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `INSERT INTO relay_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`,
      [PROFILE_CHECKPOINT],
    );
    await queryRunner.query(
      `INSERT INTO ${PROFILE_OUTBOX_TABLE} (customer_id, profile, profile_position)
       SELECT p.customer_id, p.profile, p.last_position FROM ${CUSTOMER_PROFILES.name} p
        WHERE NOT EXISTS (SELECT 1 FROM customer_erasures e
                           WHERE e.customer_id = p.customer_id AND e.readmitted_at IS NULL)
        ORDER BY p.customer_id`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM relay_checkpoints WHERE name = $1', [PROFILE_CHECKPOINT]);
    await queryRunner.query(`DROP TABLE ${PROFILE_OUTBOX_TABLE}`);
  }
}
