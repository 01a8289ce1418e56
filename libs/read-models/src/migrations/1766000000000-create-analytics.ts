import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CONSENT_FOLLOW_PROGRESS } from '../schema/read-model.schema';
import { ANALYTICS_TABLES } from '../schema/analytics.schema';
import { createStatements } from '../schema/table-schema';

/**
 * The CX analytics read models and the consent follower's progress. They start empty: a database
 * that already holds touchpoints fills them with `cx projections rebuild experience-analytics`.
 */
export class CreateAnalytics1766000000000 implements MigrationInterface {
  name = 'CreateAnalytics1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ANALYTICS_TABLES) {
      for (const statement of createStatements(table)) await queryRunner.query(statement);
    }
    await queryRunner.query(`CREATE TABLE ${CONSENT_FOLLOW_PROGRESS} (below xid8 NOT NULL)`);
    await queryRunner.query(`INSERT INTO ${CONSENT_FOLLOW_PROGRESS} (below) VALUES ('0')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${CONSENT_FOLLOW_PROGRESS}`);
    for (const table of [...ANALYTICS_TABLES].reverse()) {
      await queryRunner.query(`DROP TABLE ${table.name}`);
    }
  }
}
