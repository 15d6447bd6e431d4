/**
 * JSON Schemas of the operator admin API's bodies and answers (validated with ajv, published in
 * /openapi.json under the `admin` tag). Keys have the accounts API's shapes, so a console or
 * script handles a key the same whichever API made it.
 */
export {
  createKeySchema,
  createdKeySchema,
  keyAnswerSchema,
  keyListSchema,
  type CreateKeyBody,
} from '../accounts/accounts.schemas.js';
import { LIMIT_NAMES } from '@huedb/core';
import { email, password, strict } from '../accounts/accounts.schemas.js';
import { limitKey } from '../plans/plan-book.js';

const memberRole = { type: 'string', enum: ['owner', 'admin', 'member'] };

export const createUserSchema = strict(
  {
    email,
    password,
    email_verified: { type: 'boolean' },
  },
  ['email'],
);
export interface CreateUserBody {
  email: string;
  password?: string;
  email_verified?: boolean;
}

export const createTenantSchema = strict(
  { name: { type: 'string', minLength: 1, maxLength: 256 }, owner_email: email },
  ['name'],
);
export interface CreateTenantBody {
  name: string;
  owner_email?: string;
}

export const addMemberSchema = strict({ email, role: memberRole }, ['email', 'role']);
export interface AddMemberBody {
  email: string;
  role: 'owner' | 'admin' | 'member';
}

export const userSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, verified: { type: 'boolean' } },
  required: ['id', 'email', 'verified'],
};
export const createdTenantSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, database: { type: 'string' } },
  required: ['name', 'database'],
};
const memberSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string' },
    email: { type: 'string' },
    tenant: { type: 'string' },
    role: memberRole,
    created_at_ms: { type: 'integer' },
  },
  required: ['user_id', 'email', 'tenant', 'role', 'created_at_ms'],
};
export const memberAnswerSchema = memberSchema;
export const memberListSchema = {
  type: 'object',
  properties: { members: { type: 'array', items: memberSchema } },
  required: ['members'],
};
const auditEntrySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    at_ms: { type: 'integer' },
    actor: { type: 'string', description: "'admin', 'key:<key id>', 'user:<uuid>' or 'system'" },
    action: { type: 'string' },
    target_kind: { type: 'string' },
    target_id: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    request_id: { type: ['string', 'null'] },
    details: { type: 'object' },
  },
  required: [
    'seq',
    'at_ms',
    'actor',
    'action',
    'target_kind',
    'target_id',
    'tenant',
    'request_id',
    'details',
  ],
};
export const auditListSchema = {
  type: 'object',
  properties: { entries: { type: 'array', items: auditEntrySchema } },
  required: ['entries'],
};
export const AUDIT_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: 1000 },
  before_ms: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
};
export const USER_QUERY = { email };

/** A limit's value: a whole number, or null for "no limit". */
const limitValue = { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const limitValues = (description: string) => ({
  type: 'object',
  description,
  propertyNames: { enum: LIMIT_NAMES.map(limitKey) },
  additionalProperties: limitValue,
});

export const setPlanSchema = strict(
  {
    plan: { type: 'string', minLength: 1, maxLength: 64, description: 'A plan of the plan book' },
    overrides: limitValues(
      'Per-limit values on top of the plan (replacing any set before); null = no limit',
    ),
  },
  ['plan'],
);
export interface SetPlanBody {
  plan: string;
  overrides?: Record<string, number | null>;
}
export const planSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    plan: { type: 'string' },
    is_default: {
      type: 'boolean',
      description: "true: none was set, the deployment's default plan (HUEDB_PLAN) applies",
    },
    overrides: limitValues("The tenant's overrides"),
    limits: limitValues('Every limit as it applies to the tenant (plan + overrides)'),
    updated_at_ms: { type: 'integer', description: 'When it was set (0: never)' },
  },
  required: ['tenant', 'plan', 'is_default', 'overrides', 'limits', 'updated_at_ms'],
};
