/**
 * @module Vite for the playground: served under /app/ (as the server does in production), with
 * /trpc, /files and /auth proxied to the API server in development (NBL_URL, default :3000).
 */
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const apiServer = process.env.NBL_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  base: '/app/',
  plugins: [react()],
  server: {
    // Same origin for the browser: cookies and the CSRF check see the Vite origin as the page's own.
    proxy: Object.fromEntries(['/trpc', '/files', '/auth'].map((path) => [path, { target: apiServer }])),
  },
  build: { outDir: 'dist', sourcemap: true },
})
