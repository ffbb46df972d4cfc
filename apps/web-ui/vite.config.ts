import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The daemon serves dist/ on its admin address with an SPA fallback, so asset paths are absolute.
// `npm run dev` proxies the API to a daemon on the default admin address.
export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/api': { target: process.env.SNOMLINK_ADMIN_URL ?? 'http://127.0.0.1:8090' } },
  },
});
