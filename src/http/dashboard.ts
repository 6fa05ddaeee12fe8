/**
 * GET /dashboard: the page of dashboard/ (plain HTML, CSS and one ES module, no build) and uPlot's
 * files from node_modules, read once at start and served from memory; config.json tells the page
 * the hashes of its documents and whether it must ask for an access key. Everything comes from this
 * origin, which the Content-Security-Policy enforces: no inline script, no CDN.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { DashboardInfo } from '../gateway.js';

const PAGE_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** The page fetches only its own origin; uPlot styles its canvas through the CSSOM, which the policy allows. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', json: 'application/json; charset=utf-8' };

interface Asset {
  type: string;
  body: Buffer;
}

export type DashboardHandler = (method: string | undefined, path: string, res: ServerResponse) => void;

export function createDashboard(info: DashboardInfo): DashboardHandler {
  const require = createRequire(import.meta.url);
  const page = (name: string, type: string): Asset => ({ type, body: readFileSync(PAGE_DIR + name) });
  const index = page('index.html', TYPES.html);
  // The page's own modules and style sheet; tsconfig.json and gql/ are for the type check only.
  const own = readdirSync(PAGE_DIR).filter((name) => name.endsWith('.js') || name.endsWith('.css'));
  const assets = new Map<string, Asset>([
    ...own.map((name): [string, Asset] => [`/dashboard/${name}`, page(name, name.endsWith('.js') ? TYPES.js : TYPES.css)]),
    // The minified build (51 KB) sets globalThis.uPlot; its ES module build is three times larger.
    ['/dashboard/uplot.js', { type: TYPES.js, body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) }],
    ['/dashboard/uplot.css', { type: TYPES.css, body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) }],
    ['/dashboard/config.json', { type: TYPES.json, body: Buffer.from(JSON.stringify(info)) }],
  ]);
  return (method, path, res) => {
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('The dashboard is read with GET\n');
      return;
    }
    const asset = path === '/dashboard' || path === '/dashboard/' ? index : assets.get(path);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`No such dashboard file: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // Served from memory and small: revalidating on each load keeps an upgraded gateway's page current.
      'cache-control': 'no-cache',
    });
    res.end(method === 'HEAD' ? undefined : asset.body);
  };
}
