/**
 * The built playground in headless Chromium against the real server (src/main.ts of @nbl/server
 * on embedded defaults, serving apps/web/dist at /app): sign in with the bootstrap admin's API
 * key, generate an image and see it load, run a batch of 3 to 100 %, and send two chat turns.
 * Screenshots go to test-results/.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGithub, startFakeGithub } from '../../../packages/api/test/github-fake.js'

const WEB_DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const SERVER_DIR = fileURLToPath(new URL('../../server/', import.meta.url))
const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ADMIN_KEY = `nbl_browser_test_${'k'.repeat(32)}`

interface Server {
  url: string
  process: ChildProcess
}

/** Starts the server process and resolves once it prints its URL and "ready in". */
function startServer(dataDir: string, github: FakeGithub): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      WEB_DIR: WEB_DIST,
      BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      RATE_LIMIT_GENERATE_PER_MINUTE: '0',
      GITHUB_CLIENT_ID: github.config.clientId,
      GITHUB_CLIENT_SECRET: github.config.clientSecret,
      GITHUB_OAUTH_BASE_URL: github.config.oauthBaseUrl,
      GITHUB_API_BASE_URL: github.config.apiBaseUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1]
      if (url && /^ready in \d+ ms$/m.test(output)) resolve({ url, process: child })
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => reject(new Error(`server exited with ${code}\n${output}`)))
  })
}

function stopServer(server: Server | undefined): Promise<void> {
  const child = server?.process
  if (!child || child.exitCode !== null) return Promise.resolve()
  return new Promise((done) => {
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}

/** Resolves when every image matching `selector` (at least `count`) has loaded real pixels. */
async function expectLoadedImages(page: Page, selector: string, count: number) {
  await page.waitForFunction(
    ({ selector, count }) => {
      const images = [...document.querySelectorAll<HTMLImageElement>(selector)]
      return images.length >= count && images.every((image) => image.complete && image.naturalWidth > 0)
    },
    { selector, count },
    { timeout: 60_000 },
  )
}

let dataDir: string
let github: FakeGithub | undefined
let server: Server | undefined
let browser: Browser | undefined
let page: Page
const pageErrors: string[] = []

beforeAll(async () => {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error('apps/web/dist is missing: run `pnpm --filter @nbl/web build` first (turbo does)')
  }
  await mkdir(RESULTS, { recursive: true })
  dataDir = await mkdtemp(join(tmpdir(), 'nbl-web-test-'))
  github = await startFakeGithub()
  server = await startServer(dataDir, github)
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 } })
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text())
  })
})

afterAll(async () => {
  await browser?.close()
  await stopServer(server)
  await github?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('the web playground in Chromium', () => {
  it('signs in with an API key (kept in sessionStorage, sent as a header)', async () => {
    await page.goto(`${server!.url}/app/`)
    await page.getByLabel('API key').fill('nbl_wrong_key_wrong_key_wrong_key_wrong')
    await page.getByTestId('sign-in').click()
    await page.getByTestId('sign-in-error').waitFor()
    await page.getByLabel('API key').fill(ADMIN_KEY)
    await page.getByTestId('sign-in').click()
    await page.getByTestId('quota-meter').waitFor()
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('unlimited')
    expect(await page.evaluate(() => sessionStorage.getItem('nbl.apiKey'))).toBe(ADMIN_KEY)
    // A reload keeps the tab signed in.
    await page.reload()
    await page.getByTestId('quota-meter').waitFor()
  })

  it('generates an image and shows it with provider, cost, latency and attempts', async () => {
    const usedBefore = Number(await page.getByTestId('quota-used').getAttribute('data-used'))
    await page.getByLabel('Prompt', { exact: true }).fill('a banana on the moon, watercolor')
    await page.getByTestId('aspect-ratio').selectOption('16:9')
    await page.getByTestId('provider').selectOption('local')
    await page.getByTestId('generate').click()
    await page.getByTestId('result').waitFor({ timeout: 60_000 })
    await expectLoadedImages(page, '[data-testid="result-image"]', 1)
    const size = await page
      .getByTestId('result-image')
      .evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight])
    expect(size[0]).toBeGreaterThan(size[1]!)
    expect(await page.getByTestId('result-provider').textContent()).toContain('local')
    expect(await page.getByTestId('result-latency').textContent()).toMatch(/^\d+ ms$/)
    expect(await page.getByTestId('result-cost').textContent()).toMatch(/^\$\d+\.\d{4}$/)
    expect(await page.locator('[data-testid="result-attempts"] tbody tr').count()).toBeGreaterThanOrEqual(1)
    // The quota meter refreshes after the generation (1 unit at 1K).
    await page.waitForFunction(
      (before) =>
        Number(document.querySelector('[data-testid="quota-used"]')?.getAttribute('data-used')) > before,
      usedBefore,
    )
    await expectLoadedImages(page, '[data-testid="history-image"]', 1)
    await page.screenshot({ path: join(RESULTS, 'generate.png'), fullPage: true })
  })

  it('runs a batch of 3 and the progress bar reaches 100 %', async () => {
    await page.getByTestId('batch-prompts').fill('a red apple\na green pear\na yellow lemon')
    await page.getByTestId('batch-run').click()
    const bar = page.getByTestId('batch-progress')
    await bar.waitFor()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="batch-progress"]')?.getAttribute('aria-valuenow') === '100',
      undefined,
      { timeout: 90_000 },
    )
    await page.getByText(/3 of 3 finished \(100 %\) — succeeded/).waitFor()
    await expectLoadedImages(page, '[data-testid="batch-image"]', 3)
    await page.screenshot({ path: join(RESULTS, 'batch.png'), fullPage: true })
  })

  it('sends two chat turns and shows two assistant images', async () => {
    await page.getByTestId('chat-message').fill('a paper boat on a pond')
    await page.getByTestId('chat-send').click()
    await expectLoadedImages(page, '[data-testid="chat-image"]', 1)
    await page.getByTestId('chat-message').fill('make the boat red')
    await page.getByTestId('chat-send').click()
    await expectLoadedImages(page, '[data-testid="chat-image"]', 2)
    expect(await page.getByTestId('chat-assistant').count()).toBe(2)
    expect(await page.getByTestId('chat-user').count()).toBe(2)
    await page.screenshot({ path: join(RESULTS, 'chat.png'), fullPage: true })
  })

  it('signs out and forgets the key; the page logged no errors', async () => {
    await page.getByTestId('sign-out').click()
    await page.getByLabel('API key').waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('nbl.apiKey'))).toBeNull()
    // The wrong key's 401 is the only error the browser may have logged.
    expect(pageErrors.filter((message) => !/401/.test(message))).toEqual([])
  })
})

describe('GitHub sign-in in the browser (session cookies)', () => {
  it('signs in through GitHub, generates with the cookie session, and signs out', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 1400 } })
    try {
      const tab = await context.newPage()
      await tab.goto(`${server!.url}/app/`)
      // The page → auth.loginUrl → (fake) GitHub → /auth/github/callback (cookies) → back to /app/.
      await tab.getByTestId('sign-in-github').click()
      await tab.getByTestId('quota-meter').waitFor({ timeout: 30_000 })
      expect(new URL(tab.url()).pathname).toBe('/app/')
      expect(await tab.getByTestId('signed-in-as').textContent()).toContain('octocat')
      const cookies = await context.cookies(server!.url)
      const access = cookies.find((cookie) => cookie.name === 'nbl_access_token')
      expect(access).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
      // Nothing for page scripts: the token is neither in storage nor readable as a cookie.
      expect(await tab.evaluate(() => [document.cookie, sessionStorage.length])).toEqual(['', 0])

      await tab.getByLabel('Prompt', { exact: true }).fill('an octopus reading a map')
      await tab.getByTestId('generate').click()
      await expectLoadedImages(tab, '[data-testid="result-image"]', 1)
      await tab.screenshot({ path: join(RESULTS, 'github-session.png'), fullPage: true })

      await tab.getByTestId('sign-out').click()
      await tab.getByTestId('sign-in-github').waitFor()
      expect((await context.cookies(server!.url)).map((cookie) => cookie.name)).not.toContain(
        'nbl_access_token',
      )
      // The revoked session does not come back on reload.
      await tab.reload()
      await tab.getByTestId('sign-in-github').waitFor()
    } finally {
      await context.close()
    }
  })
})
