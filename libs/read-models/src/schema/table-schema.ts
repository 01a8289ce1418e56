/**
 * A read-model table, declared once and used by the migration that creates it, by the rebuild that
 * creates a fresh copy beside it, and by tests. Column definitions are SQL; names are identifiers
 * of our own, never input.
 */
export interface TableSchema {
  readonly name: string;
  /** Column definitions, e.g. `customer_id TEXT NOT NULL`. */
  readonly columns: readonly string[];
  readonly primaryKey: readonly string[];
  /** Secondary indexes; each name is the live index's name. */
  readonly indexes: readonly { readonly name: string; readonly columns: string }[];
}

/** The suffix of a rebuild's copy of a table and of its indexes. */
export const REBUILD_SUFFIX = '_rebuild';

export function primaryKeyName(table: string): string {
  return `${table}_pkey`;
}

/** CREATE TABLE with its primary key, named `as` (the live name or a rebuild copy's). */
export function createTableStatement(table: TableSchema, as: string = table.name): string {
  const body = [
    ...table.columns,
    `CONSTRAINT ${primaryKeyName(as)} PRIMARY KEY (${table.primaryKey.join(', ')})`,
  ];
  return `CREATE TABLE ${as} (\n  ${body.join(',\n  ')}\n)`;
}

/** CREATE INDEX of every secondary index, on the table named `as`, names suffixed alike. */
export function createIndexStatements(table: TableSchema, suffix = ''): string[] {
  return table.indexes.map(
    (index) => `CREATE INDEX ${index.name}${suffix} ON ${table.name}${suffix} (${index.columns})`,
  );
}

/** The whole table as the migration creates it. */
export function createStatements(table: TableSchema): string[] {
  return [createTableStatement(table), ...createIndexStatements(table)];
}

/** Renames a rebuilt copy and its indexes to the live names (the live table must be gone). */
export function promoteStatements(table: TableSchema): string[] {
  const copy = `${table.name}${REBUILD_SUFFIX}`;
  return [
    `ALTER TABLE ${copy} RENAME TO ${table.name}`,
    `ALTER INDEX ${primaryKeyName(copy)} RENAME TO ${primaryKeyName(table.name)}`,
    ...table.indexes.map(
      (index) => `ALTER INDEX ${index.name}${REBUILD_SUFFIX} RENAME TO ${index.name}`,
    ),
  ];
}
