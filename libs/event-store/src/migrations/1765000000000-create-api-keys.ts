import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1765000000000 implements MigrationInterface {
  name = 'CreateApiKeys1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Only a digest of each secret is kept: a dump of this table opens nothing.
    await queryRunner.query(`
      CREATE TABLE api_keys (
        key_id       TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        secret_hash  BYTEA NOT NULL,
        scopes       TEXT[] NOT NULL,
        created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        expires_at   TIMESTAMPTZ NULL,
        revoked_at   TIMESTAMPTZ NULL,
        last_used_at TIMESTAMPTZ NULL,
        rotated_from TEXT NULL REFERENCES api_keys (key_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE api_keys');
  }
}
