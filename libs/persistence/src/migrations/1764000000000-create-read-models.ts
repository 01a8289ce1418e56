import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-customer read models kept by the projector, its consumed offsets and its insight outbox. */
export class CreateReadModels1764000000000 implements MigrationInterface {
  name = 'CreateReadModels1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The projector's own copy of every (public) touchpoint: the input of recomputation.
    await queryRunner.query(`
      CREATE TABLE projection_touchpoints (
        touchpoint_id TEXT PRIMARY KEY,
        customer_id   TEXT NOT NULL,
        position      BIGINT NOT NULL,
        payload       JSONB NOT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX projection_touchpoints_customer_idx ON projection_touchpoints (customer_id)',
    );
    // profile and stage_history are JSON, not JSONB: JSON keeps the text as written, so the query
    // API serves a profile byte for byte as `cx derive` prints it (JSONB would reorder the keys).
    await queryRunner.query(`
      CREATE TABLE customer_profiles (
        customer_id      TEXT PRIMARY KEY,
        profile          JSON NOT NULL,
        stage_history    JSON NOT NULL,
        stage            TEXT,
        phase            TEXT,
        status           TEXT,
        emotion_level    TEXT,
        emotion_score    DOUBLE PRECISION NULL,
        loyalty_side     TEXT,
        loyalty_position INT,
        touchpoints      INT,
        last_position    BIGINT NOT NULL,
        updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    // Worklists page by customer within one stage / status / emotion level.
    await queryRunner.query(
      'CREATE INDEX customer_profiles_stage_idx ON customer_profiles (stage, customer_id)',
    );
    await queryRunner.query(
      'CREATE INDEX customer_profiles_status_idx ON customer_profiles (status, customer_id)',
    );
    await queryRunner.query(
      'CREATE INDEX customer_profiles_emotion_idx ON customer_profiles (emotion_level, customer_id)',
    );
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
    await queryRunner.query('DROP TABLE customer_profiles');
    await queryRunner.query('DROP TABLE projection_touchpoints');
  }
}
