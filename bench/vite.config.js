// Builds the benchmark pages (bench/pages/*.html) into bench/out/pages/, served under /bench/ of
// the app's origin by bench/import.js. Run by bench/run.js: `vite build --config bench/vite.config.js`.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const pages = fileURLToPath(new URL('./pages/', import.meta.url))

export default defineConfig({
  root: pages,
  base: '/bench/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./out/pages/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2023',
    chunkSizeWarningLimit: 8192,
    rollupOptions: {
      input: {
        raw: fileURLToPath(new URL('./pages/raw.html', import.meta.url)),
        helia: fileURLToPath(new URL('./pages/helia.html', import.meta.url))
      }
    }
  }
})
