/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const serverWwwroot = fileURLToPath(new URL('../Approvals.Server/wwwroot', import.meta.url));

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: process.env.APPROVALS_WEB_OUT ?? serverWwwroot,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': 'http://localhost:5080',
      '/openapi': 'http://localhost:5080',
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
