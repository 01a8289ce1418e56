import { join } from 'node:path';
import { DiagnosticSeverity, Parser, fromFile, type Diagnostic } from '@asyncapi/parser';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The streams contract as the published AsyncAPI document states it, parsed by the real AsyncAPI
 * parser (file `$ref`s resolved), with every key, header and payload schema compiled by ajv.
 * Tests check examples and live traffic against THIS, so the document itself is what is tested.
 */

export const ASYNCAPI_FILE = join(__dirname, '..', 'asyncapi.yaml');

type Json = Record<string, unknown>;

export interface MessageExample {
  readonly name: string;
  readonly headers: Json;
  readonly payload: unknown;
}

export interface MessageContract {
  /** Its id under `components.messages`. */
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly validateKey: ValidateFunction;
  readonly validateHeaders: ValidateFunction;
  readonly validatePayload: ValidateFunction;
  readonly examples: readonly MessageExample[];
  /** The `examples` of the key schema. */
  readonly keyExamples: readonly unknown[];
}

export interface ChannelContract {
  readonly id: string;
  readonly address: string;
  readonly kafka: {
    readonly topic?: string;
    readonly partitions?: number;
    readonly topicConfiguration?: Readonly<Record<string, unknown>>;
  };
  readonly messages: readonly MessageContract[];
}

export interface StreamsContract {
  readonly diagnostics: readonly Diagnostic[];
  /** By topic name. */
  readonly channels: ReadonlyMap<string, ChannelContract>;
}

/** A Kafka message as a plain client sees it, header values decoded as UTF-8. */
export interface ObservedMessage {
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
}

export interface MessageVerdict {
  /** The messages of the channel that the observed message satisfies (key, headers and payload). */
  readonly matches: readonly string[];
  /** Why each other message of the channel did not match, for failure output. */
  readonly problems: readonly string[];
}

export function isError(diagnostic: Diagnostic): boolean {
  // Two copies of the severity enum are in play (the parser's and spectral's): compare numbers.
  return (diagnostic.severity as number) === (DiagnosticSeverity.Error as number);
}

export function describeDiagnostic(diagnostic: Diagnostic): string {
  return `${DiagnosticSeverity[diagnostic.severity]} ${String(diagnostic.code)} at ${diagnostic.path.join('.')}: ${diagnostic.message}`;
}

function newAjv(): Ajv {
  // strict off: the parser leaves its own `x-parser-*` keywords in every schema; each schema is
  // compiled on its own (addUsedSchema off), as the same file backs several messages.
  const ajv = new Ajv({ strict: false, allErrors: true, addUsedSchema: false });
  addFormats(ajv);
  return ajv;
}

/** A Multi Format Schema Object wraps the schema; a plain AsyncAPI schema is used as is. */
function unwrap(json: unknown): Json {
  if (typeof json !== 'object' || json === null) return {};
  const object = json as Json;
  if ('schemaFormat' in object && 'schema' in object) return object.schema as Json;
  return object;
}

function examplesOf(schema: Json): unknown[] {
  return Array.isArray(schema.examples) ? (schema.examples as unknown[]) : [];
}

/** Parses the document; `channels` is empty when the parser found errors. */
export async function loadStreamsContract(file = ASYNCAPI_FILE): Promise<StreamsContract> {
  const { document, diagnostics } = await fromFile(new Parser(), file).parse();
  const channels = new Map<string, ChannelContract>();
  if (document === undefined) return { diagnostics, channels };
  const ajv = newAjv();
  for (const channel of document.channels().all()) {
    const address = channel.address() ?? channel.id();
    const messages = channel
      .messages()
      .all()
      .map((message): MessageContract => {
        const kafka = message.bindings().get('kafka')?.value<{ key?: unknown }>() ?? {};
        const key = unwrap(kafka.key);
        return {
          id: message.id(),
          name: message.name() ?? message.id(),
          contentType: message.contentType() ?? document.defaultContentType() ?? '',
          validateKey: ajv.compile(key),
          validateHeaders: ajv.compile(unwrap(message.headers()?.json())),
          validatePayload: ajv.compile(unwrap(message.payload()?.json())),
          examples: message
            .examples()
            .all()
            .map((example, i) => ({
              name: example.name() ?? `#${i}`,
              headers: (example.headers() ?? {}) as Json,
              payload: example.payload() as unknown,
            })),
          keyExamples: examplesOf(key),
        };
      });
    channels.set(address, {
      id: channel.id(),
      address,
      kafka: channel.bindings().get('kafka')?.value<ChannelContract['kafka']>() ?? {},
      messages,
    });
  }
  return { diagnostics, channels };
}

export function errorText(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

/** The value a schema describes: JSON parsed for JSON messages, the text itself otherwise. */
function payloadOf(
  contract: MessageContract,
  value: string | null,
): { ok: boolean; payload: unknown } {
  if (value === null) return { ok: true, payload: null };
  if (!contract.contentType.includes('json')) return { ok: true, payload: value };
  try {
    return { ok: true, payload: JSON.parse(value) as unknown };
  } catch {
    return { ok: false, payload: undefined };
  }
}

function problemOf(contract: MessageContract, observed: ObservedMessage): string | null {
  if (!contract.validateKey(observed.key)) {
    return `key: ${errorText(contract.validateKey.errors)}`;
  }
  if (!contract.validateHeaders(observed.headers)) {
    return `headers: ${errorText(contract.validateHeaders.errors)}`;
  }
  const { ok, payload } = payloadOf(contract, observed.value);
  if (!ok) return 'payload: not JSON';
  if (!contract.validatePayload(payload)) {
    return `payload: ${errorText(contract.validatePayload.errors)}`;
  }
  return null;
}

/** Which of the channel's messages an observed Kafka message is, judged by the schemas alone. */
export function judge(channel: ChannelContract, observed: ObservedMessage): MessageVerdict {
  const matches: string[] = [];
  const problems: string[] = [];
  for (const contract of channel.messages) {
    const problem = problemOf(contract, observed);
    if (problem === null) matches.push(contract.id);
    else problems.push(`${contract.id}: ${problem}`);
  }
  return { matches, problems };
}

/** An example as it would travel: the payload serialised the way its content type says. */
export function exampleAsObserved(
  contract: MessageContract,
  example: MessageExample,
  key: string | null,
): ObservedMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(example.headers)) headers[name] = String(value);
  let value: string | null;
  if (example.payload === null || example.payload === undefined) value = null;
  else if (typeof example.payload === 'string' && !contract.contentType.includes('json')) {
    value = example.payload;
  } else value = JSON.stringify(example.payload);
  return { key, headers, value };
}
