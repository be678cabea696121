// Run by test/sdk-options.test.ts in a child Node process: `node runtime-neutrality-probe.mjs <file URL of src/index.ts>`.
//
// Installs traps on the DOM globals (window, document, localStorage, sessionStorage, navigator, location)
// and on `process.env` (a Proxy), then imports the SDK, creates a client and uses it. A read from code
// outside Node's own internals (whose module loader reads a few environment variables) is recorded with
// the phase it happened in, and throws, except where `tolerated` allows it: when a client is created,
// reading `location` to resolve `baseUrl`, and `document` to tell a page (tabs, page lifecycle) from elsewhere. Prints `{ hits, urls, error? }` as JSON; exits 0.

const hits = []
let phase = 'import'
const tolerated = { create: ['location', 'document'], relative: ['location', 'document'] }

// Frames: 0 "Error", 1 this function, 2 the trap, 3 whoever read the global.
const readByNode = () => /\(node:|at node:/.test(new Error().stack.split('\n')[3] ?? '')
const trip = (name) => {
  hits.push({ phase, name })
  if (!tolerated[phase]?.includes(name)) throw new Error(`read ${name}`)
}

const realNavigator = globalThis.navigator
let pageLocation
for (const name of ['window', 'document', 'localStorage', 'sessionStorage', 'navigator', 'location']) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      if (readByNode()) return name === 'navigator' ? realNavigator : undefined
      trip(name)
      return name === 'location' ? pageLocation : undefined
    },
  })
}

const envTrap =
  (read) =>
  (...args) => {
    if (readByNode()) return read(...args)
    trip('process.env')
  }
process.env = new Proxy(process.env, {
  get: envTrap(Reflect.get),
  has: envTrap(Reflect.has),
  ownKeys: envTrap(Reflect.ownKeys),
  getOwnPropertyDescriptor: envTrap(Reflect.getOwnPropertyDescriptor),
})

const result = { hits, urls: [] }
try {
  const { createAuthClient } = await import(process.argv[2])
  phase = 'create'
  const fetch = async (request) => {
    result.urls.push(request.url)
    return Response.json({ accessToken: 'not-a-jwt' })
  }
  const auth = createAuthClient({ baseUrl: 'https://x.test', fetch })
  phase = 'use'
  await auth.login({ username: 'u', password: 'p' })
  await auth.fetch('data')
  await auth.api.get('data').json()
  await auth.logout()
  // What the `location` read is for: a relative `baseUrl` resolves against the page.
  phase = 'relative'
  pageLocation = { href: 'https://app.test/shop/cart' }
  await createAuthClient({ baseUrl: 'api', fetch }).fetch('items')
} catch (error) {
  result.error = String(error)
}
process.stdout.write(JSON.stringify(result))
