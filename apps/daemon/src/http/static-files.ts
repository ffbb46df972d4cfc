import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context } from 'hono';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const MISSING_PAGE = (dir: string): string => `<!doctype html>
<meta charset="utf-8"><title>snomlink</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>snomlink is running</h1>
<p>The admin web UI has not been built, so there is nothing to show here yet
(looked in <code>${dir.replace(/[<>&"]/g, '')}</code>).</p>
<p>Build it from the repository root with</p>
<pre>npx -y pnpm@10.34.9 --filter @snomlink/web-ui run build</pre>
<p>or point the daemon at a build with <code>--web-ui-dir DIR</code>. The REST API is at
<code>/api</code> (see <code>/api/openapi.json</code>).</p>
</body>`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves a built single-page app from `dir`: real files as they are, any other path without
 * a file extension as `index.html` (client-side routes), traversal outside `dir` as 404, and a
 * how-to-build page at `/` when the build is missing.
 */
export function createStaticHandler(dir: string): (c: Context) => Promise<Response> {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  return async (c) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text('not found', 404);
    }
    if (pathname.includes('\0')) return c.text('not found', 404);
    const target = resolve(root, `.${pathname}`);
    if (target !== root && !target.startsWith(root + sep)) return c.text('not found', 404);

    let file: string | null = null;
    if (target !== root && (await isFile(target))) file = target;
    else if (extname(pathname) === '' || pathname.endsWith('/')) {
      if (await isFile(index)) file = index;
      else if (pathname === '/') return c.html(MISSING_PAGE(root), 200);
    }
    if (file === null) return c.text('not found', 404);

    const body = await readFile(file);
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const immutable = file !== index && /[.-][A-Za-z0-9_-]{8,}\.(js|css|woff2|svg|png)$/.test(file);
    return c.body(new Uint8Array(body), 200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  };
}
