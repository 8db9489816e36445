/** A configuration value that cannot be used; the message names the variable and what is allowed. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_ERR_INVALID'
  constructor (readonly variable: string, readonly detail: string) {
    super(`${variable}: ${detail}`)
    this.name = 'ConfigError'
  }
}
