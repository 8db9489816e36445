/** The parts of a JSON Schema (as TypeBox builds it) this check reads. */
interface SchemaNode {
  readonly type?: string
  readonly properties?: Readonly<Record<string, SchemaNode>>
  readonly items?: SchemaNode
}

/**
 * Pure: the first value in `value` whose JSON type differs from what `schema` declares, as a
 * message in the validator's words ("body/edges/0/load_rps must be number"), or undefined. It runs
 * before the schema validator, which coerces scalars ("5" -> 5, 7 -> "7"): a writer must send the
 * types the contract names, or get a 400. Missing properties, formats and ranges are left to the
 * validator.
 */
export function strictTypeError (schema: SchemaNode, value: unknown, path = 'body'): string | undefined {
  const type = schema.type
  if (type !== undefined && !hasType(value, type)) return `${path} must be ${type}`
  if (type === 'object' && schema.properties !== undefined) {
    const record = value as Record<string, unknown>
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!Object.hasOwn(record, key) || record[key] === undefined) continue
      const error = strictTypeError(child, record[key], `${path}/${key}`)
      if (error !== undefined) return error
    }
  }
  if (type === 'array' && schema.items !== undefined) {
    const items = value as unknown[]
    for (let i = 0; i < items.length; i++) {
      const error = strictTypeError(schema.items, items[i], `${path}/${i}`)
      if (error !== undefined) return error
    }
  }
  return undefined
}

function hasType (value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array': return Array.isArray(value)
    case 'string': return typeof value === 'string'
    case 'number': return typeof value === 'number'
    case 'integer': return typeof value === 'number' && Number.isInteger(value)
    case 'boolean': return typeof value === 'boolean'
    case 'null': return value === null
    default: return true
  }
}
