/**
 * A small JSON Schema (2020-12) validator for the keywords our generated schemas use, so the
 * published `.json` files are checked by something other than zod. An unknown keyword is an
 * error, never silently ignored: a schema that says more than this checker understands fails the
 * test instead of passing it.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'format']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string | string[], v: unknown): boolean {
  const got = typeOf(v);
  return [want].flat().some((w) => w === got || (w === 'number' && got === 'integer'));
}

/** Returns the list of violations (empty = valid). */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  for (const [kw, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(kw)) continue;
    switch (kw) {
      case 'type':
        if (!typeMatches(arg as string | string[], value)) errors.push(`${path}: expected ${String(arg)}, got ${typeOf(value)}`);
        break;
      case 'const':
        if (value !== arg) errors.push(`${path}: expected const ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).includes(value)) errors.push(`${path}: not in enum`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) errors.push(`${path}: pattern mismatch`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (arg as number)) errors.push(`${path}: too short`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (arg as number)) errors.push(`${path}: too long`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (arg as number)) errors.push(`${path}: below minimum`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (arg as number)) errors.push(`${path}: above maximum`);
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (arg as number)) errors.push(`${path}: too few items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (arg as number)) errors.push(`${path}: too many items`);
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((v, i) => errors.push(...validate(arg as Schema, v, `${path}[${i}]`)));
        break;
      case 'required':
        if (typeOf(value) === 'object') {
          for (const k of arg as string[]) if (!(k in (value as object))) errors.push(`${path}: missing ${k}`);
        }
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [k, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (k in (value as object)) errors.push(...validate(sub, (value as Record<string, unknown>)[k], `${path}.${k}`));
          }
        }
        break;
      case 'propertyNames':
        if (typeOf(value) === 'object') {
          for (const k of Object.keys(value as object)) errors.push(...validate(arg as Schema, k, `${path}{${k}}`));
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const known = new Set(Object.keys((schema.properties as object | undefined) ?? {}));
          for (const [k, v] of Object.entries(value as object)) {
            if (known.has(k)) continue;
            if (arg === false) errors.push(`${path}: unexpected property ${k}`);
            else if (typeof arg === 'object') errors.push(...validate(arg as Schema, v, `${path}.${k}`));
          }
        }
        break;
      case 'exclusiveMinimum':
        if (typeof value === 'number' && value <= (arg as number)) errors.push(`${path}: must be > ${arg as number}`);
        break;
      case 'anyOf':
        if (!(arg as Schema[]).some((s) => validate(s, value, path).length === 0)) errors.push(`${path}: matches no anyOf branch`);
        break;
      default:
        throw new Error(`json-schema-lite does not understand keyword "${kw}" at ${path}`);
    }
  }
  return errors;
}
