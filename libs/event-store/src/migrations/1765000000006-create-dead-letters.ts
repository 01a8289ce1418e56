import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDeadLetters1765000000006 implements MigrationInterface {
  name = 'CreateDeadLetters1765000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Messages of the inbound topic that were not stored, and why. Unique on the source message,
    // so a message delivered again after a crash is recorded once. The value is kept only up to
    // the size limit: an oversized one is never stored (value NULL, its size in value_bytes).
    await queryRunner.query(`
      CREATE TABLE dead_letters (
        id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        code             TEXT NOT NULL,
        reason           TEXT NOT NULL,
        issues           JSONB NOT NULL,
        source_topic     TEXT NOT NULL,
        source_partition INTEGER NOT NULL,
        source_offset    BIGINT NOT NULL,
        key              BYTEA,
        value            BYTEA,
        value_bytes      INTEGER,
        headers          JSONB NOT NULL,
        touchpoint_id    TEXT,
        customer_id      TEXT,
        received_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
        replayed_at      TIMESTAMPTZ,
        replayed_position BIGINT,
        last_replay      JSONB,
        UNIQUE (source_topic, source_partition, source_offset)
      )`);
    await queryRunner.query('CREATE INDEX dead_letters_code_idx ON dead_letters (code, id)');
    // An erasure removes the values of a customer's dead letters: found by customer or by key.
    await queryRunner.query('CREATE INDEX dead_letters_customer_idx ON dead_letters (customer_id)');
    await queryRunner.query('CREATE INDEX dead_letters_key_idx ON dead_letters (key)');
    // What the dead-letter relay reads: it follows a column named position. Ids are taken under
    // the event store's append lock, so they become visible in order, like touchpoint positions.
    await queryRunner.query(
      'CREATE VIEW dead_letter_outbox AS SELECT id AS position, * FROM dead_letters',
    );
    // Where the inbound consumer resumes, per partition, written in the transaction of the batch.
    await queryRunner.query(`
      CREATE TABLE inbound_offsets (
        consumer_group TEXT NOT NULL,
        topic          TEXT NOT NULL,
        partition      INTEGER NOT NULL,
        next_offset    BIGINT NOT NULL,
        updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE inbound_offsets');
    await queryRunner.query('DROP VIEW dead_letter_outbox');
    await queryRunner.query('DROP TABLE dead_letters');
  }
}
