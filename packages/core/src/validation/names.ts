import { InvalidArgumentError, UnprocessableEntityError } from '../errors.js';
import { typeName } from './json-type.js';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$/;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
// Rust's Ipv4Addr::from_str: four decimal octets, no leading zeros. (IPv6 cannot pass NAME_RE.)
const IPV4_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** What a name names, for messages. */
export type NameKind = 'tenant' | 'database' | 'collection';

/**
 * Checks a tenant, database or collection name with Chroma's rules and messages
 * (rust/types/src/validators.rs `validate_name`): 3–512 characters of `[a-zA-Z0-9._-]`, starting
 * and ending alphanumeric, no `..`, not an IPv4 address. (Chroma's `topology+name` database form
 * is not supported.) Returns the name.
 * @param name - the JSON value (a non-string is a schema mismatch, 422)
 * @param kind - what it names, for the schema-mismatch message
 */
export function validateName(name: unknown, kind: NameKind = 'collection'): string {
  if (typeof name !== 'string') {
    throw new UnprocessableEntityError(
      `Expected ${kind} name to be a string, got ${typeName(name)}`,
    );
  }
  const fail = (message: string): never => {
    throw new InvalidArgumentError(`Validation error: name: ${message}`);
  };
  if (!NAME_RE.test(name)) {
    fail(
      'Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending ' +
        `with a character in [a-zA-Z0-9]. Got: ${name}`,
    );
  }
  if (name.includes('..')) {
    fail(`Expected a name that does not contains two consecutive periods (..). Got ${name}`);
  }
  if (IPV4_RE.test(name)) fail(`Expected a name that is not a valid ip address. Got ${name}`);
  return name;
}

/**
 * {@link validateName} for a tenant name.
 * @param name - the JSON value
 */
export function validateTenantName(name: unknown): string {
  return validateName(name, 'tenant');
}

/**
 * {@link validateName} for a database name.
 * @param name - the JSON value
 */
export function validateDatabaseName(name: unknown): string {
  return validateName(name, 'database');
}

/**
 * {@link validateName} for a collection name.
 * @param name - the JSON value
 */
export function validateCollectionName(name: unknown): string {
  return validateName(name, 'collection');
}
