/**
 * @module `GET /app/*`: the built web playground (apps/web/dist) from a directory. Files by path,
 * any other path under /app gets index.html (the SPA routes in the browser); hashed assets are
 * cached for good, the page itself is revalidated each time.
 */
import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import type { Handler } from 'hono'

export const WEB_APP_PATH = '/app'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * The page loads only its own scripts and styles and talks only to this server; images may come
 * from the object store (signed https URLs) or be data/blob URLs the user picked.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ')

async function readIfFile(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined
    return await readFile(path)
  } catch {
    return undefined
  }
}

/** Serves `webDir` under `/app/`; a path that escapes it or names no file falls back to index.html. */
export function webAppRoute(webDir: string): Handler {
  const root = resolve(webDir)
  return async function serveWebApp(c) {
    let relative: string
    try {
      relative = decodeURIComponent(c.req.path.slice(WEB_APP_PATH.length + 1))
    } catch {
      return c.json({ error: { code: 400, message: 'Malformed path' } }, 400)
    }
    const candidate = resolve(root, relative)
    const inside = candidate.startsWith(root + sep) && !relative.includes('\0')
    const asset = inside ? await readIfFile(candidate) : undefined
    if (asset) {
      const hashed = relative.startsWith('assets/')
      return c.body(new Uint8Array(asset), 200, {
        'content-type': CONTENT_TYPES[extname(candidate).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
      })
    }
    // Missing files with an extension are real 404s; anything else is a client-side route.
    if (extname(relative) !== '' && !relative.endsWith('.html')) {
      return c.json({ error: { code: 404, message: 'Not found' } }, 404)
    }
    const page = await readIfFile(resolve(root, 'index.html'))
    if (!page) return c.json({ error: { code: 404, message: 'Not found' } }, 404)
    return c.body(new Uint8Array(page), 200, {
      'content-type': CONTENT_TYPES['.html'] as string,
      'cache-control': 'no-cache',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    })
  }
}
