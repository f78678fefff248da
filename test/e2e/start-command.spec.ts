import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from './fixtures.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

test('the README start command builds, serves the app and prints its URL', async ({ page }) => {
  test.setTimeout(180_000)
  const child = spawn('npm', ['start'], { cwd: REPO, env: { ...process.env, PORT: '0' }, detached: true })
  try {
    let output = ''
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /Pollen is running at (http:\/\/app\.localhost:\d+\/)/.exec(output)
        if (match != null) resolve(match[1])
      })
      child.once('exit', code => { reject(new Error(`npm start exited with ${code}:\n${output}`)) })
    })
    await page.goto(url)
    await expect(page.getByTestId('node-status')).toContainText('started')
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
  }
})
