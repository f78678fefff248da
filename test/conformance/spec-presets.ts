/**
 * Which of the suite's spec presets each top-level test belongs to, read from
 * the suite's source: the `specs.X` a test function names (RunWithSpecs), and
 * the preset names tooling/specs/specs.go gives them.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export async function specPresets (home: string): Promise<Map<string, string[]>> {
  const specsSource = await readFile(join(home, 'tooling', 'specs', 'specs.go'), 'utf8')
  const leafNames = new Map([...specsSource.matchAll(/^\s*(\w+)\s*=\s*Leaf\{"([\w-]+)"/gm)].map(match => [match[1], match[2]]))
  const presets = new Map<string, string[]>()
  for (const file of (await readdir(join(home, 'tests'))).filter(name => name.endsWith('_test.go'))) {
    const source = await readFile(join(home, 'tests', file), 'utf8')
    const starts = [...source.matchAll(/^func (Test\w+)\(t \*testing\.T\)/gm)]
    starts.forEach((match, i) => {
      const body = source.slice(match.index, starts[i + 1]?.index ?? source.length)
      const named = [...new Set([...body.matchAll(/specs\.(\w+)/g)].map(m => leafNames.get(m[1])).filter((name): name is string => name != null))]
      presets.set(match[1], named.length > 0 ? named : ['(none)'])
    })
  }
  return presets
}
