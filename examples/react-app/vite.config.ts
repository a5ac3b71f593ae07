import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The app at http://localhost:3000 (the service's default FRONTEND_URL, so its mails link here),
 * with the API proxied to the service (AUTH_SERVICE_URL, default http://localhost:8000): one
 * origin for the page, the API and the refresh cookie. `vite preview` proxies alike, which is
 * what the end-to-end test serves.
 */
const target = process.env.AUTH_SERVICE_URL ?? 'http://localhost:8000';
const proxy = { '/trpc': target, '/api': target };
const port = Number(process.env.PORT ?? 3000);

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { port, strictPort: true, proxy },
  preview: { port, strictPort: true, proxy },
});
