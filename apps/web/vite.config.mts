import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The web app: built to apps/web/dist, which the API serves at `/`. In dev, /api goes to a local API. */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': process.env.LEDGER_API_URL ?? 'http://127.0.0.1:3000',
      '/health': process.env.LEDGER_API_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
