// The operator console (src/console) is built into dist/console/, served by the admin listener at /console/.
// It lives in src/console so the Docker build stage gets it with the sources (`COPY src`).
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  // Nothing at run time comes from the network: no public dir, no CDN, every asset bundled and hashed.
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../../dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inline assets would be data: URLs in CSS/JS; keep them files so the CSP stays simple.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
