import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The daemon serves dist/ on its admin address with an SPA fallback, so asset paths are absolute.
// `npm run dev` proxies the API to a daemon on the default admin address.
const adminUrl = process.env.SNOMLINK_ADMIN_URL ?? 'http://127.0.0.1:8090';

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
    proxy: {
      // The daemon refuses state-changing requests whose Origin is not its own admin address, so
      // the dev server presents the daemon's origin (and Host) instead of localhost:5173.
      '/api': {
        target: adminUrl,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (request) => {
            if (request.getHeader('origin') !== undefined) {
              request.setHeader('origin', new URL(adminUrl).origin);
            }
          });
        },
      },
    },
  },
});
