import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The service serves the build at /admin/ (server/http/admin-console.ts) under a CSP that
 * allows nothing inline: module scripts and CSS files only, and no assets inlined as data.
 * `npm run dev -w admin-console` proxies the API to a service on port 8000.
 */
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: {
    proxy: { '/trpc': 'http://localhost:8000' },
  },
});
