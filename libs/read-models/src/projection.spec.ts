import { checkRegistry, type Projection } from './projection';
import type { TableSchema } from './schema/table-schema';

const table = (name: string): TableSchema => ({
  name,
  columns: ['id TEXT NOT NULL'],
  primaryKey: ['id'],
  indexes: [],
});

const projection = (name: string, tables: readonly TableSchema[]): Projection => ({
  name,
  tables,
  handles: () => true,
  apply: () => Promise.resolve({}),
});

describe('projection registry', () => {
  it('accepts projections with distinct names and tables', () => {
    expect(() =>
      checkRegistry([projection('a', [table('t1')]), projection('b', [table('t2')])]),
    ).not.toThrow();
  });

  it('refuses two projections of one name', () => {
    expect(() => checkRegistry([projection('a', []), projection('a', [])])).toThrow(
      'two projections named a',
    );
  });

  it('refuses two owners of one table', () => {
    expect(() =>
      checkRegistry([projection('a', [table('t')]), projection('b', [table('t')])]),
    ).toThrow('table t is owned by a and b');
  });

  it('refuses a table the engine keeps or a name a rebuild copy would take', () => {
    expect(() => checkRegistry([projection('a', [table('projection_touchpoints')])])).toThrow(
      'a may not own table projection_touchpoints',
    );
    expect(() => checkRegistry([projection('a', [table('t_rebuild')])])).toThrow(
      'a may not own table t_rebuild',
    );
  });

  it('refuses a name the command line could not take', () => {
    expect(() => checkRegistry([projection('Customer Profiles', [])])).toThrow('kebab-case');
  });
});
