import {
  Server,
  ServerCredentials,
  type Metadata,
  type MethodDefinition,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  Logger,
  type Provider,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { traceCarrier, type TraceCarrier } from '@cx/contracts';
import { AuditLog } from '@cx/event-store';
import { AccessControl } from '../auth/access-control';
import type { Principal, Scope } from '../auth/scopes';
import { AppException } from '../errors/app.exception';
import { httpStatusOf } from '../errors/http-status';
import { HttpBodyErrorCode, httpBodyError } from '../http/http-body.exception';
import { grpcContract, PROTO_LOADER_OPTIONS } from './grpc-contract';
import { grpcErrorOf } from './grpc-error';

/** Who is calling and the trace context they sent, handed to every gRPC handler. */
export interface GrpcCall {
  readonly principal: Principal;
  readonly trace: TraceCarrier | null;
}

/** Recorded in the audit log like the REST route it mirrors (`@Audited`). */
export interface GrpcAudit {
  readonly action: string;
  /** Only when the caller could see personal data (holds `personal:read`). */
  readonly personalOnly?: boolean;
  readonly customerId: (request: unknown) => string | null;
}

interface MethodBase {
  /** Any one of them admits the call: the scopes of the REST route it mirrors. */
  readonly scopes: readonly Scope[];
  readonly audit?: GrpcAudit;
}

export interface UnaryMethod extends MethodBase {
  readonly kind: 'unary';
  /** Below the server-wide receive limit: a larger request is refused as REST refuses its body. */
  readonly maxRequestBytes?: number;
  readonly handle: (request: unknown, call: GrpcCall) => Promise<object>;
}

export interface ClientStreamMethod extends MethodBase {
  readonly kind: 'clientStream';
  /** Each message over it reaches the handler as an `OversizedRequest` (see `isOversized`). */
  readonly maxMessageBytes?: number;
  readonly handle: (requests: AsyncIterable<unknown>, call: GrpcCall) => Promise<object>;
}

export type GrpcMethod = UnaryMethod | ClientStreamMethod;

/** One service of the contract (`cx.journey.v1.TouchpointIngestion`) and its handlers by method. */
export interface GrpcServiceBinding {
  readonly service: string;
  readonly methods: Readonly<Record<string, GrpcMethod>>;
}

export interface GrpcEdgeOptions {
  /** `ingestion`, `query`: names the edge in the logs. */
  readonly name: string;
  readonly host: string;
  /** 0 binds a free port (tests); the log says which. */
  readonly port: number;
  readonly bindings: readonly GrpcServiceBinding[];
  readonly maxReceiveBytes: number;
  readonly maxSendBytes: number;
  readonly access: AccessControl;
  readonly audit: AuditLog;
  /** How long calls in flight may finish on shutdown before they are cancelled. */
  readonly shutdownGraceMs?: number;
}

/** What reflection describes: the files of the services this server binds, and health. */
function reflectedContract(contract: PackageDefinition): PackageDefinition {
  return { ...contract, ...loadSync(healthProtoPath, PROTO_LOADER_OPTIONS) };
}

/** A request over a method's own size limit, kept undecoded until the handler refuses it. */
export class OversizedRequest {
  constructor(readonly bytes: number) {}
}

export function isOversized(message: unknown): message is OversizedRequest {
  return message instanceof OversizedRequest;
}

/** The answer REST gives a body over its limit, for a message over its method's limit. */
export function payloadTooLarge(limitBytes: number): AppException {
  return httpBodyError(
    HttpBodyErrorCode.PayloadTooLarge,
    `request body larger than ${limitBytes} bytes`,
  );
}

function firstText(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** `127.0.0.1:5123`, `[::1]:5123`, `ipv4:…` → the address alone, as HTTP's remoteAddress. */
export function peerAddress(peer: string): string {
  const withoutScheme = peer.replace(/^ipv[46]:/, '');
  const match = /^\[?([^\]]*?)\]?:\d+$/.exec(withoutScheme);
  return match?.[1] ?? withoutScheme;
}

/**
 * The gRPC edge of a service: its methods behind the same access decision and audit as HTTP,
 * every error as a canonical status with google.rpc details, plus the standard health service
 * and server reflection (both public, like `/health`). Started and stopped with the Nest app.
 */
export class GrpcEdge implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  private server: Server | null = null;
  private boundPort = 0;

  constructor(private readonly options: GrpcEdgeOptions) {
    this.logger = new Logger(`Grpc:${options.name}`);
  }

  /** The port bound (the ephemeral one when configured as 0); 0 before start. */
  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<number> {
    const { host, port, maxReceiveBytes, maxSendBytes, bindings } = this.options;
    const server = new Server({
      'grpc.max_receive_message_length': maxReceiveBytes,
      'grpc.max_send_message_length': maxSendBytes,
    });
    const contract = grpcContract(bindings.map((binding) => binding.service));
    for (const binding of bindings) {
      const definition = contract[binding.service] as ServiceDefinition | undefined;
      if (definition === undefined) throw new Error(`no gRPC service ${binding.service}`);
      this.addService(server, binding, definition);
    }
    this.health.addToServer(server);
    new ReflectionService(reflectedContract(contract)).addToServer(server);
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
        error === null ? resolve(bound) : reject(error),
      ),
    );
    this.server = server;
    for (const binding of bindings) this.health.setStatus(binding.service, 'SERVING');
    this.health.setStatus('', 'SERVING');
    this.logger.log(`gRPC listening on ${host}:${this.boundPort}`);
    return this.boundPort;
  }

  /** NOT_SERVING at once; calls in flight may finish within the grace period, then are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.health.setStatus('', 'NOT_SERVING');
    for (const binding of this.options.bindings) {
      this.health.setStatus(binding.service, 'NOT_SERVING');
    }
    const graceMs = this.options.shutdownGraceMs ?? 5000;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.logger.warn(`gRPC calls still running after ${graceMs} ms: cancelled`);
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private addService(
    server: Server,
    binding: GrpcServiceBinding,
    definition: ServiceDefinition,
  ): void {
    const methods: Record<string, MethodDefinition<unknown, unknown>> = {};
    const handlers: Record<string, UntypedHandleCall> = {};
    for (const [name, method] of Object.entries(definition)) {
      const spec = binding.methods[name];
      if (spec === undefined) throw new Error(`${binding.service}.${name} has no handler`);
      const limit = spec.kind === 'unary' ? spec.maxRequestBytes : spec.maxMessageBytes;
      methods[name] =
        limit === undefined
          ? method
          : {
              ...method,
              requestDeserialize: (bytes: Buffer): unknown =>
                bytes.length > limit
                  ? new OversizedRequest(bytes.length)
                  : method.requestDeserialize(bytes),
            };
      handlers[name] = this.handlerOf(`/${binding.service}/${name}`, spec);
    }
    server.addService(methods, handlers);
  }

  private handlerOf(path: string, spec: GrpcMethod): UntypedHandleCall {
    if (spec.kind === 'unary') {
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
        this.answer(path, spec, call, call.request, callback, (grpcCall) => {
          if (call.request instanceof OversizedRequest) {
            throw payloadTooLarge(spec.maxRequestBytes ?? 0);
          }
          return spec.handle(call.request, grpcCall);
        });
      };
    }
    return (
      call: ServerReadableStream<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ): void => {
      this.answer(path, spec, call, undefined, callback, (grpcCall) => spec.handle(call, grpcCall));
    };
  }

  private answer(
    path: string,
    spec: GrpcMethod,
    call: { readonly metadata: Metadata; getPeer(): string },
    request: unknown,
    callback: sendUnaryData<unknown>,
    run: (call: GrpcCall) => Promise<object>,
  ): void {
    this.serve(path, spec, call, request, run).then(
      (response) => callback(null, response),
      (error: unknown) =>
        callback(
          grpcErrorOf(
            error,
            (unexpected) => {
              const detail =
                unexpected instanceof Error
                  ? (unexpected.stack ?? unexpected.message)
                  : String(unexpected);
              this.logger.error(`unhandled error in ${path}: ${detail}`);
            },
            (known) => this.logger.warn(`${path}: ${known.code}: ${known.message}`),
          ),
        ),
    );
  }

  private async serve(
    path: string,
    spec: GrpcMethod,
    call: { readonly metadata: Metadata; getPeer(): string },
    request: unknown,
    run: (call: GrpcCall) => Promise<object>,
  ): Promise<object> {
    const principal = await this.options.access.admit({
      authorization: firstText(call.metadata, 'authorization'),
      address: peerAddress(call.getPeer()),
      scopes: spec.scopes,
    });
    const grpcCall: GrpcCall = {
      principal,
      trace: traceCarrier(
        firstText(call.metadata, 'traceparent'),
        firstText(call.metadata, 'tracestate'),
      ),
    };
    const audit = spec.audit;
    if (
      audit === undefined ||
      (audit.personalOnly === true && !principal.scopes.has('personal:read'))
    ) {
      return run(grpcCall);
    }
    const record = (status: number): Promise<void> =>
      this.options.audit.record({
        actorId: principal.id,
        actorName: principal.name,
        action: audit.action,
        method: 'GRPC',
        path,
        customerId: audit.customerId(request),
        // The HTTP status the same call gets over REST, so the audit trail reads one way.
        status,
      });
    let response: object;
    try {
      response = await run(grpcCall);
    } catch (error) {
      await record(error instanceof AppException ? httpStatusOf(error.kind) : 500).catch(
        () => undefined,
      );
      throw error;
    }
    // A read of personal data that cannot be recorded is not served.
    await record(200);
    return response;
  }
}

/** A service's gRPC methods, as a Nest provider the edge collects (see `grpcEdgeProvider`). */
export interface GrpcService {
  binding(): GrpcServiceBinding;
}

export interface GrpcEdgeProviderOptions extends Omit<
  GrpcEdgeOptions,
  'bindings' | 'access' | 'audit'
> {
  readonly services: readonly (new (...args: never[]) => GrpcService)[];
}

/** The edge of a service's module, built from its access decision, audit log and gRPC services. */
export function grpcEdgeProvider({ services, ...options }: GrpcEdgeProviderOptions): Provider {
  return {
    provide: GrpcEdge,
    inject: [AccessControl, AuditLog, ...services],
    useFactory: (access: AccessControl, audit: AuditLog, ...bound: GrpcService[]): GrpcEdge =>
      new GrpcEdge({
        ...options,
        access,
        audit,
        bindings: bound.map((service) => service.binding()),
      }),
  };
}
