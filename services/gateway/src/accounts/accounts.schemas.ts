/**
 * JSON Schemas of the accounts API's bodies and answers (validated with ajv, published in
 * /openapi.json under the `accounts` tag). Lengths and password rules are the control plane's.
 */

/** No control characters: no address has them, and Postgres text cannot hold NUL. */
export const email = {
  type: 'string',
  minLength: 3,
  maxLength: 320,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
};
export const password = { type: 'string', minLength: 1, maxLength: 1024 };
const token = { type: 'string', minLength: 1, maxLength: 512 };
/** An object schema with exactly these properties (`required` of them mandatory). */
export const strict = (properties: Record<string, object>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const credentialsSchema = strict({ email, password }, ['email', 'password']);
export const tokenSchema = strict({ token }, ['token']);
export const emailSchema = strict({ email }, ['email']);
export const resetConfirmSchema = strict({ token, password }, ['token', 'password']);
export const acceptInviteSchema = strict({ token, password }, ['token']);
export const createKeySchema = strict(
  {
    name: { type: 'string', maxLength: 200 },
    role: { type: 'string', enum: ['read', 'read_write', 'admin'] },
    databases: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 128 } },
    expires_at_ms: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  [],
);
export const inviteSchema = strict({ email, role: { type: 'string', enum: ['admin', 'member'] } }, [
  'email',
  'role',
]);

export interface Credentials {
  email: string;
  password: string;
}
export interface CreateKeyBody {
  name?: string;
  role?: 'read' | 'read_write' | 'admin';
  databases?: string[];
  expires_at_ms?: number;
}

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    verified: { type: 'boolean' },
    created_at_ms: { type: 'integer' },
  },
  required: ['id', 'email', 'verified', 'created_at_ms'],
};
const membershipSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    role: { type: 'string', enum: ['owner', 'admin', 'member'] },
    created_at_ms: { type: 'integer' },
  },
  required: ['tenant', 'role', 'created_at_ms'],
};
const keySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    display: { type: 'string' },
    tenant: { type: 'string' },
    databases: { type: 'array', items: { type: 'string' } },
    role: { type: 'string', enum: ['read', 'read_write', 'admin'] },
    name: { type: 'string' },
    created_by: { type: ['string', 'null'] },
    created_at_ms: { type: 'integer' },
    expires_at_ms: { type: ['integer', 'null'] },
    revoked_at_ms: { type: ['integer', 'null'] },
    last_used_at_ms: { type: ['integer', 'null'] },
  },
  required: ['id', 'display', 'tenant', 'databases', 'role', 'name', 'created_at_ms'],
};

/** 202: the request was taken; whether an email existed is not said. */
export const acceptedSchema = {
  type: 'object',
  properties: { accepted: { type: 'boolean', const: true } },
  required: ['accepted'],
};
/** A new account's tenant, database and first key (its secret shown this once). */
export const provisionedSchema = {
  type: 'object',
  properties: {
    user: userSchema,
    tenant: { type: 'string' },
    database: { type: 'string' },
    api_key: { ...keySchema, properties: { ...keySchema.properties, secret: { type: 'string' } } },
  },
  required: ['user', 'tenant', 'database', 'api_key'],
};
export const sessionSchema = {
  type: 'object',
  properties: {
    user: userSchema,
    csrf_token: { type: 'string' },
    expires_at_ms: { type: 'integer' },
  },
  required: ['user', 'csrf_token', 'expires_at_ms'],
};
export const meSchema = {
  type: 'object',
  properties: { user: userSchema, memberships: { type: 'array', items: membershipSchema } },
  required: ['user', 'memberships'],
};
export const userOnlySchema = {
  type: 'object',
  properties: { user: userSchema },
  required: ['user'],
};
export const membershipAnswerSchema = {
  type: 'object',
  properties: { user: userSchema, membership: membershipSchema },
  required: ['user', 'membership'],
};
export const createdKeySchema = {
  type: 'object',
  properties: { key: keySchema, secret: { type: 'string' } },
  required: ['key', 'secret'],
};
export const keyAnswerSchema = {
  type: 'object',
  properties: { key: keySchema },
  required: ['key'],
};
export const keyListSchema = {
  type: 'object',
  properties: { keys: { type: 'array', items: keySchema } },
  required: ['keys'],
};
