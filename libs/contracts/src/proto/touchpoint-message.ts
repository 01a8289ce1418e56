/**
 * The touchpoint message as proto-loader decodes it (camelCase, absent fields left out) and the
 * JSON body of REST: the same object, except that `attributes` is a google.protobuf.Struct.
 * Turning one into the other is all it takes for both transports to share `parseTouchpoint`.
 */

/** A google.protobuf.Value as decoded with `oneofs: false` and `enums: String`. */
export interface StructValue {
  readonly nullValue?: string | number;
  readonly numberValue?: number;
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly structValue?: StructMessage;
  readonly listValue?: { readonly values?: readonly StructValue[] };
}

export interface StructMessage {
  readonly fields?: Readonly<Record<string, StructValue>>;
}

export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

function jsonOfValue(value: StructValue): JsonValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.structValue !== undefined) return jsonOfStruct(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(jsonOfValue);
  return null;
}

/** A Struct as the JSON object it stands for (nested values included, for validation to refuse). */
export function jsonOfStruct(struct: StructMessage): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(struct.fields ?? {})) out[key] = jsonOfValue(value);
  return out;
}

function valueOfJson(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(valueOfJson) } };
  return { structValue: structOfJson(value as Record<string, unknown>) };
}

export function structOfJson(object: Readonly<Record<string, unknown>>): StructMessage {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = valueOfJson(value);
  return { fields };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The REST body a decoded touchpoint message stands for. An empty `purposes` list is "none": a
 * repeated field cannot tell an empty list from a missing one.
 */
export function touchpointBodyOfMessage(message: unknown): unknown {
  if (!isObject(message)) return message;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (value === undefined || value === null) continue;
    if (key === 'attributes' && isObject(value)) body[key] = jsonOfStruct(value);
    else if (key === 'purposes' && Array.isArray(value) && value.length === 0) continue;
    else body[key] = value;
  }
  return body;
}

/** A stored touchpoint (REST JSON) as the message: nulls left out, attributes as a Struct. */
export function touchpointMessageOfBody(
  touchpoint: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const message: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(touchpoint)) {
    if (value === undefined || value === null) continue;
    message[key] = key === 'attributes' && isObject(value) ? structOfJson(value) : value;
  }
  return message;
}
