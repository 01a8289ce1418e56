export * from './topics';
export * from './errors/error-body';
export * from './touchpoints/parse-touchpoint';
export * from './touchpoints/touchpoint-limits';
export * from './touchpoints/personal-fields';
export { parseIsoInstant } from './touchpoints/iso-instant';
export { TouchpointRequestDto } from './touchpoints/touchpoint.request.dto';
export { TouchpointBatchRequestDto } from './touchpoints/touchpoint-batch.request.dto';
export { SurveyDto } from './touchpoints/survey.dto';
export { MoneyDto } from './touchpoints/money.dto';
export * from './events/touchpoint-recorded.event';
export * from './events/customer-insight.event';
export {
  parseStrictJson,
  DUPLICATE_KEY_MESSAGE,
  type StrictJsonOptions,
  type StrictJsonResult,
} from './json/strict-json';
export { decodeUtf8Strict, type Utf8DecodeResult } from './json/strict-utf8';
export {
  TRACE_HEADERS,
  formatTraceparent,
  parseTraceparent,
  traceCarrier,
  traceCarrierOfHeaders,
  traceHeaders,
  validTracestate,
  type KafkaHeaders,
  type TraceCarrier,
  type TraceParent,
} from './tracing/trace-context';
export {
  TRACER_NAME,
  carrierOf,
  contextOf,
  cxTracer,
  endSpanFailed,
  spanContextOf,
  tracingActive,
  withinSpan,
} from './tracing/trace-spans';
export * from './touchpoints/inbound-touchpoint';
export {
  GRPC_PACKAGE,
  INGESTION_SERVICE,
  PROTO_FILES,
  QUERY_SERVICE,
  protoRoot,
} from './proto/proto-files';
export {
  jsonOfStruct,
  structOfJson,
  touchpointBodyOfMessage,
  touchpointMessageOfBody,
  type JsonValue,
  type StructMessage,
  type StructValue,
} from './proto/touchpoint-message';
