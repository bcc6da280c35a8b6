import { z } from 'zod';

/**
 * The tolerant reader of the contract (versioning rule: within `v1` changes are additive). The
 * schemas in `schemas.ts` are strict: they are what a sender must produce, and an unknown key is
 * an error, which is how "no personal data, no file paths" is enforced when sending. A receiver
 * reads the same schema with every object relaxed to ignore, and drop, keys it does not know: a
 * newer peer may add a field without breaking an older one, and what is kept is only what was
 * validated. Wrong types, bounds and missing required fields are still refused.
 */

/**
 * Objects whose keys are requests rather than data (`cmd/set-policy`): an unknown key there is a
 * policy this agent does not have, so it is refused with a reason instead of silently ignored.
 */
const closedObjects = new WeakSet<z.ZodType>();

/** Marks a schema as closed for readers too (see `closedObjects`); returns it unchanged. */
export function closed<S extends z.ZodType>(schema: S): S {
  closedObjects.add(schema);
  return schema;
}

export function isClosed(schema: z.ZodType): boolean {
  return closedObjects.has(schema);
}

const readers = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The reader of a contract schema: same fields, types, bounds and refinements, but unknown keys
 * of every object, however deep, are ignored and stripped. Derived once per schema and cached.
 * The static type is the strict schema's: both parse to the same output type (strict and strip
 * objects differ only in what they do with unknown input keys).
 */
export function readerOf<S extends z.ZodType>(schema: S): S {
  let reader = readers.get(schema);
  if (!reader) {
    reader = relax(schema);
    readers.set(schema, reader);
  }
  return reader as S;
}

/**
 * zod's definitions are a wide union whose narrowing does not reach `clone()`'s parameter, so the
 * walk reads them through this loose view (only the fields it rebuilds).
 */
interface LooseDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
}

function relax(schema: z.ZodType): z.ZodType {
  if (closedObjects.has(schema)) return schema;
  const def = schema._zod.def as unknown as LooseDef;
  let next: Record<string, unknown> | null = null;
  switch (def.type) {
    case 'object':
      next = {
        shape: Object.fromEntries(Object.entries(def.shape ?? {}).map(([k, v]) => [k, relax(v)])),
        catchall: undefined, // strip: unknown keys are accepted and dropped
      };
      break;
    case 'array':
      next = { element: relax(def.element!) };
      break;
    case 'optional':
    case 'nullable':
      next = { innerType: relax(def.innerType!) };
      break;
    case 'union':
      next = { options: def.options!.map(relax) };
      break;
    case 'record':
      next = { valueType: relax(def.valueType!) };
      break;
    default:
      return schema; // scalars: nothing to relax
  }
  // The copy keeps the checks (bounds, refinements) of the definition; meta lives in the registry.
  const copy = schema.clone({ ...schema._zod.def, ...next });
  const meta = z.globalRegistry.get(schema);
  if (meta) z.globalRegistry.add(copy, meta);
  return copy;
}
