import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const here = fileURLToPath(new URL('.', import.meta.url));
const contracts = (file: string) => fileURLToPath(new URL(`../../libs/contracts/src/${file}`, import.meta.url));

/** The web app: built to apps/web/dist, which the API serves at `/`. In dev, /api goes to a local API. */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [vue()],
  resolve: {
    // The pure parts of libs/contracts only (event catalogue, response shapes, county time): never the DTOs,
    // which would pull class-validator and @nestjs/swagger into the browser. The same three in tsconfig.json.
    alias: [
      { find: /^@ledger\/contracts\/events$/, replacement: contracts('events/index.ts') },
      { find: /^@ledger\/contracts\/http\/views$/, replacement: contracts('http/views.ts') },
      { find: /^@ledger\/contracts\/county-time$/, replacement: contracts('county-time.ts') },
      // Printed checkpoints: parsed and verified with Web Crypto, no node:crypto.
      { find: /^@ledger\/contracts\/log-print$/, replacement: contracts('log-print.ts') },
    ],
  },
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
