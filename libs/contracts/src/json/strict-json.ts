import type { ValidationIssue } from '../errors/error-body';

export interface StrictJsonOptions {
  /** How many duplicate keys are named before the rest are summed up in one issue (100). */
  readonly maxIssues?: number;
}

export type StrictJsonResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: 'syntax';
      /** e.g. `expected ',' or '}' at position 17, found end of input`. */
      readonly message: string;
      /** Offset in the text, in UTF-16 code units. */
      readonly position: number;
    }
  | {
      readonly ok: false;
      readonly error: 'duplicate_key';
      /** One issue per repeated key, at its path (`touchpoints[3].customerId`). */
      readonly issues: readonly ValidationIssue[];
    };

/** Message of every duplicate-key issue. */
export const DUPLICATE_KEY_MESSAGE = 'duplicate key: a key may appear only once in an object';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/** A run of string characters that need no attention: no quote, backslash or control character. */
// eslint-disable-next-line no-control-regex -- the run must stop at the control characters JSON forbids
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** An open object or array; `key` is the key whose value is being read (objects only). */
interface Frame {
  readonly container: Record<string, unknown> | unknown[];
  readonly isArray: boolean;
  key: string;
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

function describe(text: string, position: number): string {
  if (position >= text.length) return 'end of input';
  const code = text.charCodeAt(position);
  if (code > 0x20 && code < 0x7f) return `'${text[position] ?? ''}'`;
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code === 0xfeff ? `${name} (byte order mark)` : name;
}

/** Lone surrogates in a reported path become `\udxxx` text, so the error body stays valid UTF-8. */
export function printablePath(path: string): string {
  return path.replace(
    /\p{Surrogate}/gu,
    (s) => `\\u${s.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * JSON as RFC 8259 defines it, parsed into the same values as `JSON.parse`, except that an object
 * with a key given twice (at any depth, compared after unescaping: `"a"` and `"\u0061"` are the
 * same key) is refused and each repetition named by its path. Iterative, so deep nesting cannot
 * overflow the stack. `__proto__` becomes an own property, as with `JSON.parse`. Escaped lone
 * surrogates (`"\ud800"`) are valid JSON and kept: whoever stores the text decides about them.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJsonResult {
  const parser = new StrictJsonParser(text, options.maxIssues ?? 100);
  try {
    const value = parser.parse();
    const issues = parser.duplicateIssues();
    return issues.length > 0 ? { ok: false, error: 'duplicate_key', issues } : { ok: true, value };
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      return { ok: false, error: 'syntax', message: error.message, position: error.position };
    throw error;
  }
}

class StrictJsonParser {
  private pos = 0;
  private readonly stack: Frame[] = [];
  private readonly duplicates: ValidationIssue[] = [];
  private duplicateCount = 0;

  constructor(
    private readonly text: string,
    private readonly maxIssues: number,
  ) {}

  duplicateIssues(): ValidationIssue[] {
    const more = this.duplicateCount - this.duplicates.length;
    if (more <= 0) return this.duplicates;
    return [...this.duplicates, { path: '', message: `and ${more} more duplicate keys` }];
  }

  parse(): unknown {
    const { text, stack } = this;
    this.skipWhitespace();
    for (;;) {
      // A value starts here: a scalar, or an object or array that is opened (and maybe closed).
      let value: unknown;
      const c = text.charCodeAt(this.pos);
      if (c === LBRACE || c === LBRACKET) {
        const isArray = c === LBRACKET;
        this.pos += 1;
        this.skipWhitespace();
        const container: Record<string, unknown> | unknown[] = isArray ? [] : {};
        if (text.charCodeAt(this.pos) === (isArray ? RBRACKET : RBRACE)) {
          this.pos += 1;
          value = container;
        } else {
          const frame: Frame = { container, isArray, key: '' };
          stack.push(frame);
          if (!isArray) frame.key = this.key();
          continue;
        }
      } else if (c === QUOTE) value = this.string();
      else if (c === MINUS || (c >= ZERO && c <= NINE)) value = this.number();
      else if (text.startsWith('true', this.pos)) value = this.literal(4, true);
      else if (text.startsWith('false', this.pos)) value = this.literal(5, false);
      else if (text.startsWith('null', this.pos)) value = this.literal(4, null);
      else throw this.expected('a JSON value');

      // Hand the value to its container; close every container that ends right after it.
      for (;;) {
        const frame = stack[stack.length - 1];
        this.skipWhitespace();
        if (frame === undefined) {
          if (this.pos < text.length) throw this.expected('end of input');
          return value;
        }
        if (frame.isArray) (frame.container as unknown[]).push(value);
        else setOwn(frame.container as Record<string, unknown>, frame.key, value);
        const d = text.charCodeAt(this.pos);
        if (d === COMMA) {
          this.pos += 1;
          this.skipWhitespace();
          if (!frame.isArray) frame.key = this.key();
          break;
        }
        if (d === (frame.isArray ? RBRACKET : RBRACE)) {
          this.pos += 1;
          stack.pop();
          value = frame.container;
          continue;
        }
        throw this.expected(frame.isArray ? "',' or ']'" : "',' or '}'");
      }
    }
  }

  /** Reads `"key" :` of the innermost object, noting the key if that object already has it. */
  private key(): string {
    if (this.text.charCodeAt(this.pos) !== QUOTE) throw this.expected('a string key');
    const key = this.string();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== COLON) throw this.expected("':'");
    this.pos += 1;
    this.skipWhitespace();
    const frame = this.stack[this.stack.length - 1] as Frame;
    if (Object.prototype.hasOwnProperty.call(frame.container, key)) {
      this.duplicateCount += 1;
      if (this.duplicates.length < this.maxIssues)
        this.duplicates.push({
          path: printablePath(this.pathTo(key)),
          message: DUPLICATE_KEY_MESSAGE,
        });
    }
    return key;
  }

  /** The path of `key` in the innermost object, through the values being read in each frame. */
  private pathTo(key: string): string {
    let path = '';
    const outer = this.stack.length - 1;
    for (let i = 0; i < outer; i += 1) {
      const frame = this.stack[i] as Frame;
      if (frame.isArray) path += `[${(frame.container as unknown[]).length}]`;
      else path = path === '' ? frame.key : `${path}.${frame.key}`;
    }
    return path === '' ? key : `${path}.${key}`;
  }

  private string(): string {
    const { text } = this;
    const opening = this.pos;
    let pos = opening + 1;
    let out = '';
    for (;;) {
      PLAIN_RUN.lastIndex = pos;
      PLAIN_RUN.test(text);
      const runEnd = PLAIN_RUN.lastIndex;
      if (runEnd > pos) {
        out += text.slice(pos, runEnd);
        pos = runEnd;
      }
      if (pos >= text.length) {
        throw new JsonSyntaxError(`unterminated string starting at position ${opening}`, opening);
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        this.pos = pos + 1;
        return out;
      }
      if (c !== BACKSLASH) {
        const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
        throw new JsonSyntaxError(
          `control character ${code} in a string at position ${pos} (it must be escaped)`,
          pos,
        );
      }
      const escape = text[pos + 1] ?? '';
      if (escape === 'u') {
        const digits = text.slice(pos + 2, pos + 6);
        if (!HEX4.test(digits)) {
          throw new JsonSyntaxError(`invalid \\u escape at position ${pos}`, pos);
        }
        out += String.fromCharCode(parseInt(digits, 16));
        pos += 6;
      } else {
        const replacement = ESCAPES[escape];
        if (replacement === undefined) {
          throw new JsonSyntaxError(`invalid escape \\${escape} at position ${pos}`, pos);
        }
        out += replacement;
        pos += 2;
      }
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    if (!NUMBER.test(this.text)) throw this.expected('a number');
    const lexeme = this.text.slice(this.pos, NUMBER.lastIndex);
    this.pos = NUMBER.lastIndex;
    return Number(lexeme);
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private skipWhitespace(): void {
    const { text } = this;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos += 1;
    }
    this.pos = pos;
  }

  private expected(what: string): JsonSyntaxError {
    return new JsonSyntaxError(
      `expected ${what} at position ${this.pos}, found ${describe(this.text, this.pos)}`,
      this.pos,
    );
  }
}

/** Plain assignment would set the prototype for `__proto__`; JSON.parse makes it an own key. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    object[key] = value;
  }
}
