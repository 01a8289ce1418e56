import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCustomerErasures1765000000001 implements MigrationInterface {
  name = 'CreateCustomerErasures1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per erased customer: what ingestion checks (410 until readmitted), and the receipt.
    await queryRunner.query(`
      CREATE TABLE customer_erasures (
        customer_id   TEXT PRIMARY KEY,
        erasure_id    TEXT NOT NULL UNIQUE,
        requested_by  TEXT NOT NULL,
        erased_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        receipt       JSONB NULL,
        readmitted_at TIMESTAMPTZ NULL,
        readmitted_by TEXT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE customer_erasures');
  }
}
