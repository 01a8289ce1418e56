/**
 * Canonical JSON: object keys sorted by code point, no whitespace, numbers as JavaScript prints
 * them. Two payloads that are the same data (whatever their key order, or `1` vs `1.0` in the
 * text they were parsed from) give the same string, so a digest of it decides duplicate vs
 * conflict. Properties whose value is `undefined` are left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('canonical JSON has no non-finite numbers');
      // JSON.stringify already prints -0 as 0 and 1.0 as 1.
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`canonical JSON cannot represent a ${typeof value}`);
}
