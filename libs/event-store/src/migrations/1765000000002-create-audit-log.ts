import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendOnlyStatements } from './append-only';

export class CreateAuditLog1765000000002 implements MigrationInterface {
  name = 'CreateAuditLog1765000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Who read personal data or acted as admin, what, when. Ids and names only, never content.
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id          BIGSERIAL PRIMARY KEY,
        at          TIMESTAMPTZ NOT NULL DEFAULT now(),
        actor_id    TEXT NOT NULL,
        actor_name  TEXT NOT NULL,
        action      TEXT NOT NULL,
        method      TEXT NOT NULL,
        path        TEXT NOT NULL,
        customer_id TEXT NULL,
        status      INT NOT NULL
      )`);
    await queryRunner.query('CREATE INDEX audit_log_customer_idx ON audit_log (customer_id, id)');
    await queryRunner.query('CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id)');
    for (const statement of appendOnlyStatements('audit_log')) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_log');
    await queryRunner.query('DROP FUNCTION audit_log_refuse_change()');
  }
}
