/**
 * @module A fake GitHub on loopback: authorize (issues a code bound to the PKCE challenge),
 * access_token (checks code, code_verifier, client credentials and redirect_uri), /user and
 * /user/emails. Enough of GitHub's OAuth app flow for end-to-end tests.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { GithubOAuthConfig } from '../src/deps.js'

export interface FakeGithubUser {
  id: number
  login: string
  name: string | null
  email: string | null
  avatar_url: string | null
  emails?: { email: string; primary: boolean; verified: boolean }[]
}

export interface FakeGithub {
  config: GithubOAuthConfig
  /** The user the next authorization signs in as. */
  setUser(user: FakeGithubUser): void
  /** Token requests seen, for assertions. */
  tokenRequests: URLSearchParams[]
  close(): Promise<void>
}

interface IssuedCode {
  challenge: string
  redirectUri: string
  user: FakeGithubUser
  used: boolean
}

const base64url = (buffer: Buffer) => buffer.toString('base64url')

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(body))
}

export async function startFakeGithub(
  options: { clientId?: string; clientSecret?: string } = {},
): Promise<FakeGithub> {
  const clientId = options.clientId ?? 'fake-client-id'
  const clientSecret = options.clientSecret ?? 'fake-client-secret'
  const codes = new Map<string, IssuedCode>()
  const tokens = new Map<string, FakeGithubUser>()
  const tokenRequests: URLSearchParams[] = []
  let user: FakeGithubUser = {
    id: 1001,
    login: 'octocat',
    name: 'The Octocat',
    email: null,
    avatar_url: null,
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake')
    if (request.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri')
      const challenge = url.searchParams.get('code_challenge')
      if (
        url.searchParams.get('client_id') !== clientId ||
        !redirectUri ||
        !challenge ||
        url.searchParams.get('code_challenge_method') !== 'S256'
      ) {
        return json(response, 400, { error: 'bad authorize request' })
      }
      const code = base64url(randomBytes(16))
      codes.set(code, { challenge, redirectUri, user, used: false })
      const target = new URL(redirectUri)
      target.searchParams.set('code', code)
      target.searchParams.set('state', url.searchParams.get('state') ?? '')
      response.writeHead(302, { location: target.href })
      return response.end()
    }
    if (request.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const body = new URLSearchParams(await readBody(request))
      tokenRequests.push(body)
      const basic = request.headers.authorization?.match(/^Basic (.+)$/)?.[1]
      const [id, secret] = basic
        ? Buffer.from(basic, 'base64').toString('utf8').split(':')
        : [body.get('client_id'), body.get('client_secret')]
      if (id !== clientId || secret !== clientSecret)
        return json(response, 200, { error: 'incorrect_client_credentials' })
      const issued = codes.get(body.get('code') ?? '')
      const verifier = body.get('code_verifier') ?? ''
      const challenge = base64url(createHash('sha256').update(verifier).digest())
      if (
        !issued ||
        issued.used ||
        issued.challenge !== challenge ||
        issued.redirectUri !== body.get('redirect_uri')
      ) {
        // GitHub answers 200 with an error body.
        return json(response, 200, { error: 'bad_verification_code' })
      }
      issued.used = true
      const accessToken = `gho_${base64url(randomBytes(16))}`
      tokens.set(accessToken, issued.user)
      return json(response, 200, {
        access_token: accessToken,
        token_type: 'bearer',
        scope: 'read:user,user:email',
      })
    }
    const token = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1]
    const owner = token ? tokens.get(token) : undefined
    if (request.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
      if (!owner) return json(response, 401, { message: 'Bad credentials' })
      if (url.pathname === '/user') {
        const { emails: _emails, ...profile } = owner
        return json(response, 200, profile)
      }
      return json(response, 200, owner.emails ?? [])
    }
    json(response, 404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`
  return {
    config: { clientId, clientSecret, oauthBaseUrl: baseUrl, apiBaseUrl: baseUrl },
    setUser(next) {
      user = next
    },
    tokenRequests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
