import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

// Where this build writes (`--outDir` may move it from dist/): the precache integrity is of those files.
let outDir = fileURLToPath(new URL('./dist/', import.meta.url))

export default defineConfig({
  publicDir: 'static',
  worker: { format: 'es' },
  build: {
    target: 'es2023',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    // The app; the boot document of /ipfs/ links; the bridge that content origins embed.
    rollupOptions: { input: { index: 'index.html', boot: 'boot.html', bridge: 'bridge.html' } }
  },
  plugins: [
    { name: 'pollen:out-dir', configResolved (config) { outDir = resolve(config.root, config.build.outDir) } },
    svelte(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/gateway',
      filename: 'sw.ts',
      // Registered by src/ui/service-worker.ts with workbox-window.
      injectRegister: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        // Every precached file carries its SHA-256 (SRI): the app's precache
        // checks what it fetches, and content origins check the boot files they
        // keep in a cache their content could write to (src/gateway/content-origin.ts).
        manifestTransforms: [async entries => ({
          manifest: await Promise.all(entries.map(async entry => ({
            ...entry,
            integrity: `sha256-${createHash('sha256').update(await readFile(resolve(outDir, entry.url))).digest('base64')}`
          })))
        })]
      },
      manifest: {
        name: 'Pollen — IPFS in your browser',
        short_name: 'Pollen',
        description: 'An IPFS node that runs entirely in your browser: add, keep and share files peer-to-peer.',
        start_url: '.',
        scope: '.',
        display: 'standalone',
        background_color: '#10241a',
        theme_color: '#1d3b2a',
        // Shared from another app (Android, ChromeOS): files stream into the service worker (src/gateway/share-target.ts).
        share_target: {
          action: 'share-target',
          method: 'POST',
          enctype: 'multipart/form-data',
          params: { title: 'title', text: 'text', url: 'url', files: [{ name: 'files', accept: ['*/*'] }] }
        },
        // "Open with Pollen" from the desktop: the page takes the files from launchQueue (src/ui/incoming-files.ts).
        file_handlers: [{
          action: '.',
          accept: {
            'application/vnd.ipld.car': ['.car'],
            'application/octet-stream': ['.bin'],
            'application/pdf': ['.pdf'],
            'application/zip': ['.zip'],
            'image/jpeg': ['.jpg', '.jpeg'],
            'image/png': ['.png'],
            'image/gif': ['.gif'],
            'image/webp': ['.webp'],
            'video/mp4': ['.mp4'],
            'video/webm': ['.webm'],
            'audio/mpeg': ['.mp3'],
            'audio/ogg': ['.ogg'],
            'text/plain': ['.txt', '.md']
          }
        }],
        // One window holds the app: a launch (a file opened, a share) goes to it rather than a new one.
        launch_handler: { client_mode: ['focus-existing', 'auto'] },
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      }
    })
  ]
})
