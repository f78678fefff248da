import { describe, expect, it } from 'vitest'
import { importPath, importSegments } from '../../src/node/import-paths.ts'
import { InvalidCidError } from '../../src/lib/errors.ts'

function importError (root: string, relativePath: string): Error {
  try {
    importPath(root, relativePath)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidCidError)
    expect((err as Error).name).toBe('InvalidCidError')
    return err as Error
  }
  throw new Error(`expected importPath(${JSON.stringify(root)}, ${JSON.stringify(relativePath)}) to throw`)
}

describe('importSegments', () => {
  it('splits a plain relative path', () => {
    expect(importSegments('a/b/c.txt')).toEqual(['a', 'b', 'c.txt'])
    expect(importSegments('c.txt')).toEqual(['c.txt'])
  })

  it('drops "..", "." and empty segments wherever they are', () => {
    expect(importSegments('../a')).toEqual(['a'])
    expect(importSegments('../../etc/passwd')).toEqual(['etc', 'passwd'])
    expect(importSegments('a/../b')).toEqual(['a', 'b'])
    expect(importSegments('a/./b')).toEqual(['a', 'b'])
    expect(importSegments('./a')).toEqual(['a'])
    expect(importSegments('/a//b/')).toEqual(['a', 'b'])
    expect(importSegments('a/..')).toEqual(['a'])
  })

  it('returns nothing for paths made only of "..", "." and slashes', () => {
    for (const p of ['', '/', '//', '.', '..', '../', './', '../..', './.././/..']) {
      expect(importSegments(p)).toEqual([])
    }
  })

  it('keeps names that only contain dots among other characters', () => {
    expect(importSegments('.../..a/a../.hidden/...')).toEqual(['...', '..a', 'a..', '.hidden', '...'])
  })

  it('keeps names with spaces, unicode and markup verbatim', () => {
    expect(importSegments(' leading/trailing /two  spaces')).toEqual([' leading', 'trailing ', 'two  spaces'])
    expect(importSegments('日本語/café/😀.png')).toEqual(['日本語', 'café', '😀.png'])
    expect(importSegments('<script>alert(1)</script>/"quoted" & \'single\'')).toEqual(['<script>alert(1)<', 'script>', '"quoted" & \'single\''])
    expect(importSegments('%2e%2e/a%20b')).toEqual(['%2e%2e', 'a%20b'])
  })

  it('does not treat a backslash as a separator', () => {
    expect(importSegments('a\\..\\b')).toEqual(['a\\..\\b'])
  })
})

describe('importPath', () => {
  it('puts a file picked alone under the folder', () => {
    expect(importPath('photos', 'a.jpg')).toBe('photos/a.jpg')
  })

  it('strips the folder name a folder picker puts in front', () => {
    expect(importPath('photos', 'photos/a.jpg')).toBe('photos/a.jpg')
    expect(importPath('photos', 'photos/2024/a.jpg')).toBe('photos/2024/a.jpg')
  })

  it('strips the folder name only once', () => {
    expect(importPath('photos', 'photos/photos/a.jpg')).toBe('photos/photos/a.jpg')
  })

  it('keeps a file named like the folder', () => {
    expect(importPath('photos', 'photos')).toBe('photos/photos')
  })

  it('does not strip a prefix that only starts like the folder name', () => {
    expect(importPath('photos', 'photos2/a.jpg')).toBe('photos/photos2/a.jpg')
  })

  it('keeps ".." from escaping the folder', () => {
    expect(importPath('photos', '../a.jpg')).toBe('photos/a.jpg')
    expect(importPath('photos', '../../../etc/passwd')).toBe('photos/etc/passwd')
    expect(importPath('photos', 'photos/../../a.jpg')).toBe('photos/a.jpg')
    expect(importPath('photos', './x/./y')).toBe('photos/x/y')
    expect(importPath('photos', '//x//y//')).toBe('photos/x/y')
  })

  it('normalises the root like the path', () => {
    expect(importPath('/photos/', 'a.jpg')).toBe('photos/a.jpg')
    expect(importPath('../photos', 'photos/a.jpg')).toBe('photos/a.jpg')
  })

  it('throws when the path names no file', () => {
    for (const p of ['..', '../', '.', '', '/', '../..', './..']) {
      expect(importError('photos', p).message).toBe(`"${p}" names no file`)
    }
  })

  it('throws when the root is not exactly one name', () => {
    for (const root of ['', '..', '.', '/', 'a/b']) {
      expect(importError(root, 'x.txt').message).toBe(`"${root}" cannot be used as a folder name`)
    }
  })

  it('keeps names with spaces, unicode and <script> verbatim', () => {
    expect(importPath('my photos', 'my photos/summer 2024/beach day.jpg')).toBe('my photos/summer 2024/beach day.jpg')
    expect(importPath('café', 'café/日本語/😀.png')).toBe('café/日本語/😀.png')
    expect(importPath('<script>alert(1)', 'x.html')).toBe('<script>alert(1)/x.html')
    expect(importPath('a', 'a/<script>alert(1)</script>')).toBe('a/<script>alert(1)</script>')
    expect(importPath('x', '<script>.html')).toBe('x/<script>.html')
  })

  it('throws when the root is a "<script>" tag containing a slash', () => {
    // "</script>" contains a slash, so the root splits in two and is refused.
    importError('<script></script>', 'x.html')
  })
})
