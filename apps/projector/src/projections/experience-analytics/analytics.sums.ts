import type { PoolClient } from 'pg';

/** A column of a sums table: its SQL type in the JSON rows, and how the stored value is made. */
export interface SumColumn {
  readonly name: string;
  /** The type of the field in the JSON rows handed over. */
  readonly type: 'text' | 'bigint' | 'numeric';
  /** The stored value from the row's field `r.<name>` (default: the field itself). */
  readonly expr?: string;
}

export interface SumsTable {
  readonly table: string;
  readonly keys: readonly SumColumn[];
  readonly sums: readonly SumColumn[];
}

/** A slot (ms since the epoch in the rows) stored as a timestamptz. */
export const SLOT_COLUMN: SumColumn = {
  name: 'slot',
  type: 'bigint',
  expr: "timestamptz 'epoch' + r.slot * interval '1 millisecond'",
};

/** A grain stored as a "char" (`q`, `d`). */
export const GRAIN_COLUMN: SumColumn = { name: 'grain', type: 'text', expr: 'r.grain::"char"' };

/**
 * Adds signed contributions to a table of sums: the rows are grouped by key in SQL (exact numeric
 * sums for amounts), keys whose sums all cancel out are dropped, and the rest are added to the
 * stored rows in key order, one statement, so concurrent writers lock rows in the same order and
 * never deadlock. Table and column names are our own, never input.
 */
export async function addSums(
  client: PoolClient,
  spec: SumsTable,
  rows: readonly Record<string, string | number | null>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = [...spec.keys, ...spec.sums];
  const keyNames = spec.keys.map((k) => `r.${k.name}`);
  const select = [
    ...spec.keys.map((k) => `${k.expr ?? `r.${k.name}`}`),
    ...spec.sums.map((s) =>
      s.type === 'numeric' ? `trim_scale(sum(r.${s.name}))` : `sum(r.${s.name})`,
    ),
  ];
  const nonZero = spec.sums.map((s) => `sum(r.${s.name}) <> 0`).join(' OR ');
  // Exact sums keep the scale of their terms (30.00): trimmed, so equal sums are stored alike
  // however they were reached, and a rebuild's tables equal the live ones row for row.
  const update = spec.sums
    .map((s) =>
      s.type === 'numeric'
        ? `${s.name} = trim_scale(c.${s.name} + EXCLUDED.${s.name})`
        : `${s.name} = c.${s.name} + EXCLUDED.${s.name}`,
    )
    .join(', ');
  await client.query(
    `INSERT INTO ${spec.table} AS c (${columns.map((c) => c.name).join(', ')})
     SELECT ${select.join(', ')}
       FROM json_to_recordset($1::json) AS r(${columns.map((c) => `${c.name} ${c.type}`).join(', ')})
      GROUP BY ${keyNames.join(', ')}
     HAVING ${nonZero}
      ORDER BY ${keyNames.join(', ')}
     ON CONFLICT (${spec.keys.map((k) => k.name).join(', ')}) DO UPDATE SET ${update}`,
    [JSON.stringify(rows)],
  );
}
