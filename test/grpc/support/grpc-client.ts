import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ClientWritableStream,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { jsonOfStruct, PROTO_FILES, protoRoot } from '@cx/contracts';
import { errorDetailTypes, STATUS_DETAILS_KEY } from '@cx/platform';

/**
 * A client as an outsider would build one from the `.proto` files: fields the server left out
 * (REST's nulls) stay absent, empty lists and maps read as REST writes them.
 */
const CLIENT_OPTIONS = {
  keepCase: false,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: false,
  longs: Number,
  enums: String,
} as const;

const HEALTH_PROTO = join(
  require.resolve('grpc-health-check/package.json'),
  '..',
  'proto',
  'health',
  'v1',
  'health.proto',
);
const REFLECTION_PROTO = join(
  require.resolve('@grpc/reflection/package.json'),
  '..',
  'build',
  'proto',
  'grpc',
  'reflection',
  'v1',
  'reflection.proto',
);

function constructorAt(root: GrpcObject, path: string): ServiceClientConstructor {
  let node: unknown = root;
  for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
  return node as ServiceClientConstructor;
}

const contract = loadPackageDefinition(
  loadSync([PROTO_FILES.ingestion, PROTO_FILES.query], {
    ...CLIENT_OPTIONS,
    includeDirs: [protoRoot()],
  }),
);
const health = loadPackageDefinition(loadSync(HEALTH_PROTO, CLIENT_OPTIONS));
const reflection = loadPackageDefinition(loadSync(REFLECTION_PROTO, CLIENT_OPTIONS));

export type Service = 'ingestion' | 'query' | 'health' | 'reflection';

const SERVICE_PATHS: Readonly<Record<Service, [GrpcObject, string]>> = {
  ingestion: [contract, 'cx.journey.v1.TouchpointIngestion'],
  query: [contract, 'cx.journey.v1.CustomerJourneyQuery'],
  health: [health, 'grpc.health.v1.Health'],
  reflection: [reflection, 'grpc.reflection.v1.ServerReflection'],
};

export function connect(service: Service, address: string): Client {
  const [root, path] = SERVICE_PATHS[service];
  const Constructor = constructorAt(root, path);
  return new Constructor(address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 16 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
}

export interface GrpcFailure {
  readonly ok: false;
  readonly code: number;
  readonly message: string;
  /** ErrorInfo.reason: the REST error code. */
  readonly reason: string | undefined;
  /** BadRequest field violations as REST issues. */
  readonly issues: { path: string; message: string }[];
  readonly retryDelaySeconds: number | undefined;
}

export type GrpcAnswer<T = Record<string, unknown>> =
  { readonly ok: true; readonly value: T } | GrpcFailure;

function decodeAny<T>(name: string, value: Uint8Array): T {
  const type = errorDetailTypes().lookupType(name);
  return type.toObject(type.decode(value), { longs: Number, defaults: true, arrays: true }) as T;
}

/** The status and its google.rpc details, as a client library would read them. */
export function failureOf(error: ServiceError): GrpcFailure {
  const trailer = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  let reason: string | undefined;
  let issues: { path: string; message: string }[] = [];
  let retryDelaySeconds: number | undefined;
  if (trailer instanceof Buffer) {
    const status = decodeAny<{ details: { type_url: string; value: Uint8Array }[] }>(
      'google.rpc.Status',
      trailer,
    );
    for (const any of status.details) {
      const name = any.type_url.replace('type.googleapis.com/', '');
      if (name === 'google.rpc.ErrorInfo')
        reason = decodeAny<{ reason: string }>(name, any.value).reason;
      if (name === 'google.rpc.BadRequest') {
        issues = decodeAny<{ fieldViolations: { field: string; description: string }[] }>(
          name,
          any.value,
        ).fieldViolations.map((v) => ({ path: v.field, message: v.description }));
      }
      if (name === 'google.rpc.RetryInfo') {
        retryDelaySeconds = decodeAny<{ retryDelay: { seconds: number } }>(name, any.value)
          .retryDelay.seconds;
      }
    }
  }
  return { ok: false, code: error.code, message: error.details, reason, issues, retryDelaySeconds };
}

export function bearer(token: string | null): Metadata {
  const metadata = new Metadata();
  if (token !== null) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

type UnaryCall = (
  request: unknown,
  metadata: Metadata,
  callback: (error: ServiceError | null, value?: unknown) => void,
) => void;

export function unary<T = Record<string, unknown>>(
  client: Client,
  method: string,
  request: unknown,
  metadata: Metadata = new Metadata(),
): Promise<GrpcAnswer<T>> {
  const call = (client as unknown as Record<string, UnaryCall>)[method];
  if (call === undefined) throw new Error(`no method ${method}`);
  return new Promise((resolve) =>
    call.call(client, request, metadata, (error, value) =>
      resolve(error === null ? { ok: true, value: value as T } : failureOf(error)),
    ),
  );
}

/** A client-streaming call: every message written, then the one answer. */
export function clientStream<T = Record<string, unknown>>(
  client: Client,
  method: string,
  messages: readonly unknown[],
  metadata: Metadata = new Metadata(),
): Promise<GrpcAnswer<T>> {
  const open = (client as unknown as Record<string, unknown>)[method] as (
    metadata: Metadata,
    callback: (error: ServiceError | null, value?: unknown) => void,
  ) => ClientWritableStream<unknown>;
  return new Promise((resolve) => {
    const stream = open.call(client, metadata, (error: ServiceError | null, value?: unknown) =>
      resolve(error === null ? { ok: true, value: value as T } : failureOf(error)),
    );
    for (const message of messages) stream.write(message);
    stream.end();
  });
}

/** Every service the server lists through the reflection protocol (v1). */
export function listServices(address: string): Promise<string[]> {
  const client = connect('reflection', address);
  const open = (client as unknown as Record<string, () => ClientReadableStream<unknown>>)[
    'ServerReflectionInfo'
  ] as unknown as () => ClientWritableStream<unknown> & ClientReadableStream<unknown>;
  return new Promise((resolve, reject) => {
    const call = open.call(client);
    call.on('data', (answer: { listServicesResponse?: { service: { name: string }[] } }) => {
      resolve((answer.listServicesResponse?.service ?? []).map((s) => s.name).sort());
      call.end();
    });
    call.on('error', reject);
    call.write({ listServices: '' });
  });
}

/** What a gRPC answer reads as in REST JSON terms: attributes back to an object, nulls dropped. */
export function asRestJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asRestJson);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === null || field === undefined) continue;
    if (key === 'attributes' && typeof field === 'object') {
      out[key] = jsonOfStruct(field);
    } else if (key === 'purposes' && Array.isArray(field) && field.length === 0) {
      continue;
    } else out[key] = asRestJson(field);
  }
  return out;
}

/** REST JSON with its null fields dropped (gRPC leaves them out); attribute values are data. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === null || field === undefined) continue;
    out[key] = key === 'attributes' ? field : withoutNulls(field);
  }
  return out;
}
