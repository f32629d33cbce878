/**
 * `GET /app/*` through the app: files with their content types and caching, the SPA fallback,
 * no escape from the directory, and no route at all without a configured directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.js'
import { createApp } from '../http.js'

let harness: Harness
let webDir: string
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  harness = await createHarness()
  webDir = await mkdtemp(join(tmpdir(), 'nbl-web-'))
  await mkdir(join(webDir, 'assets'))
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>playground</title>')
  await writeFile(join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)')
  await writeFile(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  await writeFile(join(tmpdir(), 'nbl-web-outside.txt'), 'secret')
  app = createApp({ ...harness.deps, config: { ...harness.deps.config, webDir } })
})
afterAll(async () => {
  await harness.close()
  await rm(webDir, { recursive: true, force: true })
})

describe('the web playground at /app', () => {
  it('serves index.html at /app/ with no-cache, a CSP and the security headers', async () => {
    const response = await app.request('http://localhost/app/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(await response.text()).toContain('<title>playground</title>')
  })

  it('redirects /app to /app/', async () => {
    const response = await app.request('http://localhost/app')
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe('/app/')
  })

  it('caches hashed assets for good and gives each file its content type', async () => {
    const script = await app.request('http://localhost/app/assets/index-abc123.js')
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    const icon = await app.request('http://localhost/app/favicon.svg')
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(icon.headers.get('cache-control')).toBe('no-cache')
  })

  it('answers client-side routes with index.html and missing files with 404', async () => {
    const route = await app.request('http://localhost/app/history/img_1')
    expect(route.status).toBe(200)
    expect(await route.text()).toContain('playground')
    expect((await app.request('http://localhost/app/assets/missing.js')).status).toBe(404)
  })

  it('never serves a file outside the directory', async () => {
    for (const path of [
      '/app/../nbl-web-outside.txt',
      '/app/%2e%2e/nbl-web-outside.txt',
      '/app/..%2fnbl-web-outside.txt',
    ]) {
      const response = await app.request(`http://localhost${path}`)
      expect(await response.text(), path).not.toContain('secret')
    }
  })

  it('is absent when no directory is configured', async () => {
    const plain = createApp(harness.deps)
    expect((await plain.request('http://localhost/app/')).status).toBe(404)
  })
})
