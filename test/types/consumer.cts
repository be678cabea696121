// A CommonJS consumer, in CommonJS's own syntax: type-checked against the built package (dist) by
// `npm run check:package`.
import sdk = require('ky-token-refresh')
import mock = require('ky-token-refresh/mock-server')
import node = require('ky-token-refresh/mock-server/node')

const client: sdk.AuthClient = sdk.createAuthClient({ ...sdk.presets.rotatingBody, baseUrl: 'https://api.example.com' })
const guarded: boolean = sdk.isAuthError(new sdk.AuthError('SESSION_EXPIRED'))
const handlers: readonly unknown[] = mock.createAuthHandlers({ baseUrl: 'https://api.example.com' }).handlers
const started: Promise<{ url: string }> = node.startAuthServer({ port: 0 })

export = { client, guarded, handlers, started }
