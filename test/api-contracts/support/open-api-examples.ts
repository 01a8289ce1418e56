import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.0 document this check reads. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly servers?: readonly { readonly url: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, SchemaObject>> };
}

export type SchemaObject = Readonly<Record<string, unknown>>;

export interface MediaTypeObject {
  readonly schema?: SchemaObject;
  readonly example?: unknown;
  readonly examples?: Readonly<Record<string, { readonly value?: unknown }>>;
}

export interface OperationObject {
  readonly operationId?: string;
  readonly parameters?: readonly {
    readonly name: string;
    readonly in: string;
    readonly schema?: SchemaObject;
    readonly example?: unknown;
  }[];
  readonly requestBody?: { readonly content: Readonly<Record<string, MediaTypeObject>> };
  readonly responses: Readonly<
    Record<string, { readonly content?: Readonly<Record<string, MediaTypeObject>> }>
  >;
}

/** One example of the document and the schema it claims to follow. */
export interface DocumentedExample {
  /** Where it is, as a JSON pointer-like path, for failure messages. */
  readonly where: string;
  readonly schema: SchemaObject;
  readonly value: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema without its own example (which is what is checked against it). */
const withoutExample = (schema: SchemaObject): SchemaObject =>
  Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'example'));

/** Every `example` inside a schema, each with the (sub)schema that carries it. */
function schemaExamples(schema: unknown, where: string, into: DocumentedExample[]): void {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => schemaExamples(item, `${where}/${i}`, into));
    return;
  }
  if (!isObject(schema)) return;
  if ('example' in schema) {
    into.push({ where: `${where}/example`, schema: withoutExample(schema), value: schema.example });
  }
  for (const [key, value] of Object.entries(schema)) {
    // `properties` maps names to schemas; every other object-valued keyword is a schema (or a list).
    if (key === 'properties' && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) {
        schemaExamples(sub, `${where}/properties/${name}`, into);
      }
    } else if (key !== 'example' && (isObject(value) || Array.isArray(value))) {
      schemaExamples(value, `${where}/${key}`, into);
    }
  }
}

function mediaExamples(
  content: Readonly<Record<string, MediaTypeObject>> | undefined,
  where: string,
  into: DocumentedExample[],
): void {
  for (const [type, media] of Object.entries(content ?? {})) {
    const at = `${where}/content/${type}`;
    if (media.schema === undefined) continue;
    schemaExamples(media.schema, `${at}/schema`, into);
    if ('example' in media)
      into.push({ where: `${at}/example`, schema: media.schema, value: media.example });
    for (const [name, example] of Object.entries(media.examples ?? {})) {
      into.push({ where: `${at}/examples/${name}`, schema: media.schema, value: example.value });
    }
  }
}

/** Every example of the document: in component schemas, parameters, request and response bodies. */
export function documentedExamples(document: OpenApiDocument): DocumentedExample[] {
  const found: DocumentedExample[] = [];
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    schemaExamples(schema, `#/components/schemas/${name}`, found);
  }
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const where = `#/paths/${path}/${method}`;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema === undefined) continue;
        const at = `${where}/parameters/${parameter.name}`;
        schemaExamples(parameter.schema, `${at}/schema`, found);
        if ('example' in parameter) {
          found.push({
            where: `${at}/example`,
            schema: parameter.schema,
            value: parameter.example,
          });
        }
      }
      mediaExamples(operation.requestBody?.content, `${where}/requestBody`, found);
      for (const [status, response] of Object.entries(operation.responses)) {
        mediaExamples(response.content, `${where}/responses/${status}`, found);
      }
    }
  }
  return found;
}

const DOCUMENT_ID = 'openapi-document';

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a `null` type (an enum must still
 * list null, as OpenAPI 3.0.3 says), refs point into `definitions`, and examples go.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!isObject(schema)) return schema;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      converted.$ref = value.replace('#/components/schemas/', `${DOCUMENT_ID}#/definitions/`);
    } else if (key === 'properties' && isObject(value)) {
      converted.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub)]),
      );
    } else {
      converted[key] = toJsonSchema(value);
    }
  }
  if (schema.nullable === true) {
    if (typeof converted.type === 'string') converted.type = [converted.type, 'null'];
    else converted.nullable = true; // without a type: left for the linters to refuse
  }
  return converted;
}

/** A validator of values against the document's schemas (refs into its components). */
export class ExampleValidator {
  private readonly ajv: Ajv;

  constructor(document: OpenApiDocument) {
    // strict: keywords ajv does not know (`nullable` left without a type) fail loudly; the
    // few OpenAPI keywords that only annotate are declared.
    this.ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
    this.ajv.addKeyword('xml').addKeyword('externalDocs').addKeyword('discriminator');
    addFormats(this.ajv);
    this.ajv.addSchema({
      $id: DOCUMENT_ID,
      definitions: toJsonSchema(document.components?.schemas ?? {}),
    });
  }

  /** The problems of `value` against `schema`, as readable lines; none when it is valid. */
  problems(schema: SchemaObject, value: unknown): string[] {
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
    } catch (error) {
      return [`schema does not compile: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || '(root)'} ${error.message ?? ''}`,
    );
  }
}
