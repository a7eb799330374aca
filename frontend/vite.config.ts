/// <reference types="vitest/config" />
// Vite build of the console: served by `hotline serve` from dist/ at "/", assets under /assets.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

const api = process.env.HOTLINE_API ?? 'http://localhost:8080'

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components a page uses end up in its chunk.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: 'src/auto-imports.d.ts' }),
    Components({ resolvers: [ElementPlusResolver()], dts: 'src/components.d.ts' }),
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
