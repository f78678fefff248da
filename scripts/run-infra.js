// @ts-check
/** `npm run infra -- [options]`: the infra node alone, under the project's Node.js 22. */
import { spawn } from 'node:child_process'
import { node22 } from './node22-process.js'

const child = spawn(node22(), ['src/infra/cli.ts', ...process.argv.slice(2)], { stdio: 'inherit' })
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => { child.kill(signal) })
child.once('exit', code => { process.exit(code ?? 1) })
