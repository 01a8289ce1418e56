import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEventStore1763900000000 implements MigrationInterface {
  name = 'CreateEventStore1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE touchpoint_events (
        position       BIGSERIAL PRIMARY KEY,
        touchpoint_id  TEXT NOT NULL UNIQUE,
        customer_id    TEXT NOT NULL,
        occurred_at    TIMESTAMPTZ NOT NULL,
        recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
        interaction    TEXT NOT NULL,
        channel        TEXT NOT NULL,
        payload        JSONB NOT NULL,
        personal       JSONB NULL,
        payload_digest TEXT NOT NULL
      )`);
    await queryRunner.query(
      'CREATE INDEX touchpoint_events_customer_time_idx ON touchpoint_events (customer_id, occurred_at, touchpoint_id)',
    );
    // The timeline pages by position, newest first.
    await queryRunner.query(
      'CREATE INDEX touchpoint_events_customer_position_idx ON touchpoint_events (customer_id, position)',
    );
    // History is never rewritten, not even by crypto-shredding (that deletes keys, not events).
    await queryRunner.query(`
      CREATE FUNCTION touchpoint_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'touchpoint_events is append-only: % refused', TG_OP
          USING ERRCODE = 'restrict_violation';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER touchpoint_events_append_only
        BEFORE UPDATE OR DELETE ON touchpoint_events
        FOR EACH ROW EXECUTE FUNCTION touchpoint_events_refuse_change()`);
    await queryRunner.query(`
      CREATE TABLE customer_keys (
        customer_id  TEXT PRIMARY KEY,
        key_id       TEXT NOT NULL,
        wrapped_key  BYTEA NULL,
        created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        forgotten_at TIMESTAMPTZ NULL,
        CONSTRAINT customer_keys_forgotten_means_no_key
          CHECK ((wrapped_key IS NULL) = (forgotten_at IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE relay_checkpoints (
        name       TEXT PRIMARY KEY,
        position   BIGINT NOT NULL DEFAULT 0,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE relay_checkpoints');
    await queryRunner.query('DROP TABLE customer_keys');
    await queryRunner.query('DROP TABLE touchpoint_events');
    await queryRunner.query('DROP FUNCTION touchpoint_events_refuse_change()');
  }
}
