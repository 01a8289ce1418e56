/**
 * The statements that make `table` append-only: a trigger refuses every UPDATE and DELETE, so
 * what was recorded (consent changes, audit entries) cannot be rewritten, not even by mistake.
 */
export function appendOnlyStatements(table: string): string[] {
  return [
    `CREATE FUNCTION ${table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION '${table} is append-only: % refused', TG_OP
         USING ERRCODE = 'restrict_violation';
     END
     $$`,
    `CREATE TRIGGER ${table}_append_only
       BEFORE UPDATE OR DELETE ON ${table}
       FOR EACH ROW EXECUTE FUNCTION ${table}_refuse_change()`,
  ];
}
