/**
 * Names of the schemas the OpenAPI document shares under `components/schemas` (Chroma's names,
 * from its own openapi.json, where Chroma has the schema). A name is attached to the schema
 * object itself, outside it (a WeakMap), so the objects stay plain JSON Schema for ajv.
 */
const names = new WeakMap<object, string>();

/**
 * Names a schema for the document: every use of it becomes a `$ref` to one component.
 * @param name - the component's name
 * @param schema - the schema (returned as it is)
 */
export function named<T extends object>(name: string, schema: T): T {
  names.set(schema, name);
  return schema;
}

/** The component name {@link named} gave a schema, if any. */
export function schemaName(schema: object): string | undefined {
  return names.get(schema);
}
