/**
 * Opaque page cursors. A cursor is base64url of `<kind>:<value>`; the kind stops a cursor of one
 * listing from being replayed against another, and only the canonical encoding is accepted, so a
 * cursor is either exactly one this service issued (or could have) or it is refused.
 */
export type CursorKind = 'customers' | 'touchpoints' | 'audit';

const PREFIX: Readonly<Record<CursorKind, string>> = {
  customers: 'c1',
  touchpoints: 't1',
  audit: 'a1',
};
const VALUE: Readonly<Record<CursorKind, RegExp>> = {
  customers: /^[A-Za-z0-9._:-]{1,128}$/,
  touchpoints: /^[1-9][0-9]{0,15}$/,
  audit: /^[1-9][0-9]{0,15}$/,
};

export function encodeCursor(kind: CursorKind, value: string | number): string {
  return Buffer.from(`${PREFIX[kind]}:${value}`, 'utf8').toString('base64url');
}

/** The value inside a cursor of this kind, or null when the text is not such a cursor. */
export function decodeCursor(kind: CursorKind, cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return null;
  const separator = text.indexOf(':');
  if (separator < 0 || text.slice(0, separator) !== PREFIX[kind]) return null;
  const value = text.slice(separator + 1);
  return VALUE[kind].test(value) ? value : null;
}
