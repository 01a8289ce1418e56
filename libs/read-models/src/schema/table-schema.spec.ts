import {
  createIndexStatements,
  createStatements,
  createTableStatement,
  promoteStatements,
  type TableSchema,
} from './table-schema';

const table: TableSchema = {
  name: 'things',
  columns: ['id TEXT NOT NULL', 'kind TEXT NOT NULL'],
  primaryKey: ['id'],
  indexes: [{ name: 'things_kind_idx', columns: 'kind, id' }],
};

describe('table schema statements', () => {
  it('creates the table with a named primary key, then its indexes', () => {
    expect(createStatements(table)).toEqual([
      'CREATE TABLE things (\n  id TEXT NOT NULL,\n  kind TEXT NOT NULL,\n  CONSTRAINT things_pkey PRIMARY KEY (id)\n)',
      'CREATE INDEX things_kind_idx ON things (kind, id)',
    ]);
  });

  it('names a rebuild copy and its indexes with the suffix, and promotes them to the live names', () => {
    expect(createTableStatement(table, 'things_rebuild')).toContain(
      'CONSTRAINT things_rebuild_pkey PRIMARY KEY (id)',
    );
    expect(createIndexStatements(table, '_rebuild')).toEqual([
      'CREATE INDEX things_kind_idx_rebuild ON things_rebuild (kind, id)',
    ]);
    expect(promoteStatements(table)).toEqual([
      'ALTER TABLE things_rebuild RENAME TO things',
      'ALTER INDEX things_rebuild_pkey RENAME TO things_pkey',
      'ALTER INDEX things_kind_idx_rebuild RENAME TO things_kind_idx',
    ]);
  });
});
