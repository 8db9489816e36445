import { signUrlCommand } from '../../internal/auth/sign-url-command.js'

// an operator tool, not a service: the URL goes to stdout so it can be piped, problems to stderr
const result = signUrlCommand(process.argv.slice(2), process.env, Date.now())
if (result.ok) process.stdout.write(`${result.output}\n`)
else {
  process.stderr.write(`sign-url: ${result.error}\n`)
  process.exitCode = 2
}
