// `node --import ./test/support/ts-loader/register.mjs file.ts`: see hooks.mjs for why.
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
