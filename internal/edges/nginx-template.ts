const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g
// a value can never end a directive, open a block or start a comment in the config it lands in
const UNSAFE_VALUE = /[;{}#"'\\\n\r\0`$]/

/**
 * Pure: fills `{{NAME}}` placeholders. Every placeholder must have a value and every value must be
 * used, so a renamed placeholder fails loudly instead of leaving nginx half configured. Values
 * must not contain characters that would change the config's structure; `raw` names the few
 * values that are whole directives written by our own code.
 */
export function renderTemplate (
  template: string,
  values: Readonly<Record<string, string>>,
  raw: readonly string[] = []
): string {
  const used = new Set<string>()
  const missing = new Set<string>()
  const text = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name]
    if (value === undefined) { missing.add(name); return '' }
    used.add(name)
    return value
  })
  if (missing.size > 0) throw new Error(`template placeholders without a value: ${[...missing].join(', ')}`)
  const unused = Object.keys(values).filter((name) => !used.has(name))
  if (unused.length > 0) throw new Error(`values for placeholders the template does not have: ${unused.join(', ')}`)
  for (const [name, value] of Object.entries(values)) {
    if (!raw.includes(name) && UNSAFE_VALUE.test(value)) throw new Error(`template value ${name} contains a character not allowed in an nginx config value`)
  }
  return text
}
