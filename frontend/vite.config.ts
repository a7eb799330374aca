/// <reference types="vitest/config" />
// Vite build of the console: served by `hotline serve` from dist/ at "/", assets under /assets.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import VueI18n from '@intlify/unplugin-vue-i18n/vite'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const api = process.env.HOTLINE_API ?? 'http://localhost:8080'
// Unit tests read the locale modules as plain strings (tests/i18n, tests/marks): no precompiling there.
const vitest = Boolean(process.env.VITEST)

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components a page uses end up in its chunk.
    // Unit tests mount components without Element Plus' CSS (Node cannot import .css files).
    AutoImport({ resolvers: [ElementPlusResolver({ importStyle: vitest ? false : 'css' })], dts: 'src/auto-imports.d.ts' }),
    Components({ resolvers: [ElementPlusResolver({ importStyle: vitest ? false : 'css' })], dts: 'src/components.d.ts' }),
    // Locale messages are compiled at build time, so the bundle takes vue-i18n's runtime-only
    // build without the message parser (dropMessageCompiler: src/i18n/index.ts shows default
    // messages verbatim) and without the legacy API (legacy: false). Nothing is parsed or
    // evaluated from strings in the browser, as a strict Content-Security-Policy wants.
    ...(vitest
      ? []
      : [
          VueI18n({
            include: [fileURLToPath(new URL('./src/i18n/{zh-CN,en}.ts', import.meta.url))],
            runtimeOnly: true,
            compositionOnly: true,
            fullInstall: true,
            strictMessage: true,
            dropMessageCompiler: true,
          }),
        ]),
  ],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { '/api': { target: api, changeOrigin: true, ws: true }, '/healthz': api },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
})
