import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { tempDir } from './helpers/content.ts'
import { expect, test } from './fixtures.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

test('the README start command builds, starts the infra node, serves the app and prints its URL; the page has a peer within 5 s', async ({ page }) => {
  test.setTimeout(180_000)
  const dataDir = await tempDir('pollen-start-infra-')
  const env = { ...process.env, PORT: '0', POLLEN_INFRA_WS_PORT: '0', POLLEN_INFRA_HTTP_PORT: '0', POLLEN_INFRA_DATA_DIR: dataDir }
  const child = spawn('npm', ['start'], { cwd: REPO, env, detached: true })
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
    expect(output).toMatch(/Infra node 12D3KooW\w+/)
    await page.goto(url)
    await expect(page.getByTestId('node-status')).toContainText('started · 1 peer', { timeout: 5000 })
  } finally {
    process.kill(-child.pid!, 'SIGTERM')
  }
})
