import {
  getMetadataStorage,
  validateSync,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import { categoryOf, type Channel, type Interaction, type Touchpoint } from '@cx/domain';
import type { ValidationIssue } from '../errors/error-body';
import { parseIsoInstant } from './iso-instant';
import { MoneyDto } from './money.dto';
import { SurveyDto } from './survey.dto';
import { TouchpointRequestDto } from './touchpoint.request.dto';
import { TOUCHPOINT_LIMITS } from './touchpoint-limits';
import { isPlainObject } from './touchpoint-validators';
import { ALLOWED_ON, REQUIRED_ON } from './interaction-fields';

export type { ValidationIssue } from '../errors/error-body';

export interface ParseTouchpointOptions {
  /** The ingesting clock: `occurredAt` may be at most `maxFutureSeconds` after it. */
  readonly now: Date;
  /** Prefix of every issue path, e.g. `touchpoints[3]`. */
  readonly path?: string;
  /** Defaults to the journey definition's 300 s. */
  readonly maxFutureSeconds?: number;
}

export type ParseTouchpointResult =
  | { readonly ok: true; readonly touchpoint: Touchpoint }
  | { readonly ok: false; readonly issues: ValidationIssue[] };

export type ParseTouchpointBatchResult =
  | { readonly ok: true; readonly touchpoints: Touchpoint[] }
  | { readonly ok: false; readonly issues: ValidationIssue[] };

const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

type DtoClass = abstract new () => object;

function fieldsOf(cls: DtoClass): ReadonlySet<string> {
  return new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(cls as new () => object, '', true, false)
      .map((m) => m.propertyName),
  );
}

const TOUCHPOINT_FIELDS = fieldsOf(TouchpointRequestDto);
const SURVEY_FIELDS = fieldsOf(SurveyDto);
const MONEY_FIELDS = fieldsOf(MoneyDto);

/**
 * Every field of a touchpoint, in output key order, so that the stored JSON reads the same whatever
 * order the client used.
 */
export const TOUCHPOINT_FIELD_ORDER = [
  'touchpointId',
  'customerId',
  'occurredAt',
  'channel',
  'category',
  'direction',
  'interaction',
  'touchpointName',
  'momentOfTruth',
  'pillar',
  'survey',
  'sentiment',
  'emotion',
  'text',
  'complaintId',
  'reason',
  'commitmentId',
  'dueAt',
  'value',
  'companyAssessment',
  'source',
  'attributes',
  'purposes',
] as const;

function join(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20); the TypeScript lib here is ES2022. */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/** False when the string holds a lone (unpaired) UTF-16 surrogate, which Postgres cannot store. */
function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormedCheck).isWellFormed();
}

/**
 * Every string (and key) in the input is checked for what Postgres text and JSON cannot hold: NUL,
 * and lone UTF-16 surrogates (a JSON escape such as `\ud800` without its pair). Deeper levels
 * than a touchpoint has are refused anyway, as unknown fields or wrong types.
 */
function findUnstorableText(
  value: unknown,
  path: string,
  issues: ValidationIssue[],
  depth = 0,
): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) issues.push({ path, message: 'must not contain NUL characters' });
    if (!isWellFormed(value))
      issues.push({ path, message: 'must not contain unpaired UTF-16 surrogates' });
    return;
  }
  if (typeof value !== 'object' || value === null || depth > 4) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => findUnstorableText(v, `${path}[${i}]`, issues, depth + 1));
    return;
  }
  for (const key of Object.keys(value)) {
    const child = join(path, key);
    const before = issues.length;
    if (key.includes('\u0000'))
      issues.push({ path: child, message: 'field names must not contain NUL characters' });
    if (!isWellFormed(key))
      issues.push({
        path: child,
        message: 'field names must not contain unpaired UTF-16 surrogates',
      });
    if (issues.length === before)
      findUnstorableText((value as Record<string, unknown>)[key], child, issues, depth + 1);
  }
}

/**
 * A lone surrogate in a reported path (a bad key) is written out as `\udxxx` text, so that the
 * error answer is itself valid UTF-8 JSON.
 */
function printablePath(path: string): string {
  if (isWellFormed(path)) return path;
  return path.replace(
    /\p{Surrogate}/gu,
    (s) => `\\u${s.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Builds a DTO instance without running its constructor. Keys come from untrusted JSON
 * (`__proto__`, `constructor`…), so only the DTO's own field names are ever assigned; the rest
 * are reported here (class-validator's forbidNonWhitelisted stays on behind this).
 */
function instantiate<T extends object>(
  proto: T,
  fields: ReadonlySet<string>,
  input: Record<string, unknown>,
  path: string,
  issues: ValidationIssue[],
): T {
  const dto = Object.create(proto) as T;
  for (const key of Object.keys(input)) {
    if (!fields.has(key)) {
      issues.push({ path: join(path, key), message: 'is not a known field' });
      continue;
    }
    (dto as Record<string, unknown>)[key] = input[key];
  }
  return dto;
}

function collect(
  errors: readonly ValidationError[],
  path: string,
  issues: ValidationIssue[],
): void {
  for (const e of errors) {
    const here = join(path, e.property);
    if (e.constraints !== undefined) {
      for (const message of Object.values(e.constraints)) issues.push({ path: here, message });
    }
    if (e.children !== undefined) collect(e.children, here, issues);
  }
}

function crossFieldIssues(
  dto: TouchpointRequestDto,
  nowMs: number,
  maxFutureSeconds: number,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const interaction = dto.interaction as Interaction;
  const expected = categoryOf(dto.channel as Channel);
  if (present(dto.category) && dto.category !== expected) {
    issues.push({
      path: 'category',
      message: `must be ${expected} for channel ${dto.channel} (or be left out)`,
    });
  }
  const required = REQUIRED_ON[interaction] ?? [];
  for (const field of required) {
    if (!present(dto[field]))
      issues.push({ path: field, message: `is required for interaction ${interaction}` });
  }
  for (const [field, allowed] of Object.entries(ALLOWED_ON) as [
    keyof typeof ALLOWED_ON,
    readonly Interaction[],
  ][]) {
    if (present(dto[field]) && !allowed.includes(interaction)) {
      issues.push({
        path: field,
        message: `is only allowed on interaction ${allowed.join(' or ')}`,
      });
    }
  }
  const survey = dto.survey;
  if (present(survey)) {
    if (!present(survey?.nps) && !present(survey?.csat) && !present(survey?.ces)) {
      issues.push({ path: 'survey', message: 'must carry at least one of nps, csat, ces' });
    }
  } else if (interaction === 'survey_response') {
    issues.push({ path: 'survey', message: 'is required for interaction survey_response' });
  }
  if (
    interaction === 'feedback' &&
    !present(dto.text) &&
    !present(dto.sentiment) &&
    !present(dto.emotion)
  ) {
    issues.push({
      path: 'text',
      message: 'feedback needs at least one of text, sentiment or emotion',
    });
  }
  const occurredMs = parseIsoInstant(dto.occurredAt) ?? Number.NaN;
  if (occurredMs - nowMs > maxFutureSeconds * 1000) {
    issues.push({
      path: 'occurredAt',
      message: `must not be more than ${maxFutureSeconds} s after the server time ${new Date(nowMs).toISOString()}`,
    });
  }
  return issues;
}

function stripNulls<T extends object>(dto: T, order: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of order) {
    const v = dto[key];
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out;
}

function normalise(dto: TouchpointRequestDto): Touchpoint {
  const out: Record<string, unknown> = {};
  for (const key of TOUCHPOINT_FIELD_ORDER) {
    const v: unknown = key === 'category' ? categoryOf(dto.channel as Channel) : dto[key];
    if (v === undefined || v === null) continue;
    out[key] = v;
  }
  out.occurredAt = new Date(dto.occurredAt).toISOString();
  if (present(dto.dueAt)) out.dueAt = new Date(dto.dueAt as string).toISOString();
  if (present(dto.survey)) out.survey = stripNulls(dto.survey as SurveyDto, ['nps', 'csat', 'ces']);
  if (present(dto.value)) out.value = stripNulls(dto.value as MoneyDto, ['amount', 'currency']);
  if (present(dto.attributes)) out.attributes = { ...dto.attributes };
  // Sorted: the same purposes in another order are the same touchpoint (digest, duplicates).
  if (present(dto.purposes)) out.purposes = [...(dto.purposes as string[])].sort();
  // Field and cross-field rules above are exactly the union's constraints, so the shape is a Touchpoint.
  return out as unknown as Touchpoint;
}

/**
 * THE validation of a touchpoint, shared by the HTTP API, the Kafka inbound consumer and the
 * `cx` CLI. Pure and synchronous; the clock comes in through `options.now`.
 */
export function parseTouchpoint(
  input: unknown,
  options: ParseTouchpointOptions,
): ParseTouchpointResult {
  const prefix = options.path ?? '';
  if (!isPlainObject(input))
    return { ok: false, issues: [{ path: prefix, message: 'must be a JSON object' }] };

  const issues: ValidationIssue[] = [];
  findUnstorableText(input, '', issues);
  const dto = instantiate(TouchpointRequestDto.prototype, TOUCHPOINT_FIELDS, input, '', issues);
  if (isPlainObject(dto.survey))
    dto.survey = instantiate(SurveyDto.prototype, SURVEY_FIELDS, dto.survey, 'survey', issues);
  if (isPlainObject(dto.value))
    dto.value = instantiate(MoneyDto.prototype, MONEY_FIELDS, dto.value, 'value', issues);

  const fieldIssues: ValidationIssue[] = [];
  collect(validateSync(dto, VALIDATOR_OPTIONS), '', fieldIssues);
  const textPaths = new Set(issues.map((i) => i.path));
  for (const issue of fieldIssues) if (!textPaths.has(issue.path)) issues.push(issue);

  if (issues.length === 0) {
    const maxFuture = options.maxFutureSeconds ?? TOUCHPOINT_LIMITS.maxFutureSeconds;
    issues.push(...crossFieldIssues(dto, options.now.getTime(), maxFuture));
  }
  if (issues.length > 0) {
    return {
      ok: false,
      issues: issues.map((i) => ({
        path: printablePath(join(prefix, i.path)),
        message: i.message,
      })),
    };
  }
  return { ok: true, touchpoint: normalise(dto) };
}

/**
 * A batch `{ "touchpoints": [...] }` of 1 to 1,000 items, valid only if every item is; each
 * issue names its item (`touchpoints[3].survey.nps`).
 */
export function parseTouchpointBatch(
  input: unknown,
  options: Omit<ParseTouchpointOptions, 'path'>,
): ParseTouchpointBatchResult {
  if (!isPlainObject(input))
    return { ok: false, issues: [{ path: '', message: 'must be a JSON object' }] };
  const issues: ValidationIssue[] = Object.keys(input)
    .filter((k) => k !== 'touchpoints')
    .map((k) => ({ path: k, message: 'is not a known field' }));
  const items = input.touchpoints;
  const max = TOUCHPOINT_LIMITS.batchMaxItems;
  if (!Array.isArray(items) || items.length < 1 || items.length > max) {
    issues.push({ path: 'touchpoints', message: `must be an array of 1 to ${max} touchpoints` });
    return { ok: false, issues };
  }
  const touchpoints: Touchpoint[] = [];
  items.forEach((item: unknown, i) => {
    const r = parseTouchpoint(item, { ...options, path: `touchpoints[${i}]` });
    if (r.ok) touchpoints.push(r.touchpoint);
    else issues.push(...r.issues);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, touchpoints };
}
