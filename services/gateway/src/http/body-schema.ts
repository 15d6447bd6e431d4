import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';
import { InvalidArgumentError, UnprocessableEntityError } from '@huedb/core';
import { EMPTY_BODY_MESSAGE } from './json-body.js';

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });

/**
 * A validator for a request body's SHAPE. A body of the wrong shape (wrong type, missing required
 * field, unknown include value) is a 422, as Chroma's typed deserializer answers; semantic checks
 * (lengths, names, dimensions) come after and are 400s. A missing body is a 400, as Chroma's
 * parser answers it.
 */
export function bodyValidator<T>(schema: object): (body: unknown) => T {
  const validate = ajv.compile(schema as JSONSchemaType<T>) as ValidateFunction<T>;
  return (body: unknown): T => {
    // No body at all is a JSON parse error in Chroma (its routes need one); `null` is a body of
    // the wrong type (422 below).
    if (body === undefined) throw new InvalidArgumentError(EMPTY_BODY_MESSAGE);
    const value = body;
    if (!validate(value)) {
      throw new UnprocessableEntityError(
        `Failed to deserialize the JSON body into the target type: ${describe(validate.errors?.[0])}`,
      );
    }
    return value;
  };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'invalid body';
  const path = error.instancePath
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
  const where = path ? `${path}: ` : '';
  if (error.keyword === 'required') {
    return `${where}missing field \`${String(error.params.missingProperty)}\``;
  }
  if (error.keyword === 'enum') {
    return `${where}unknown variant, expected one of ${(error.params.allowedValues as string[]).map((v) => `\`${v}\``).join(', ')}`;
  }
  if (error.keyword === 'additionalProperties') {
    return `${where}unknown field \`${String(error.params.additionalProperty)}\``;
  }
  return `${where}${error.message ?? 'invalid value'}`;
}
