/** The demo page's views over its markup (page-markup.ts): the log, the timeline, the session card. */

const MAX_ROWS = 200

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id)
  if (!element) throw new Error(`The demo page has no #${id}`)
  return element as T
}

/** A time of day on the page's clock (which "sleep" moves ahead), such as `14:03:27`. */
export const timeOfDay = (ms: number): string => new Date(ms).toTimeString().slice(0, 8)

/** A duration for people: `3.4 s`, `14 min 58 s`, `1 h 00 min`. */
export function duration(ms: number): string {
  const seconds = Math.max(0, ms) / 1000
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`
}

/** At most the last 6 characters of a token. */
export const tail = (token: string | undefined): string => (token ? `…${token.slice(-6)}` : '–')

const cell = (text: string, className?: string): HTMLTableCellElement => {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  return td
}

export interface LogRow {
  readonly kind: 'request' | 'event' | 'demo'
  readonly what: string
  readonly path: string
  readonly status?: number | undefined
  readonly ms?: number | undefined
  readonly detail: string
}

export function createLogView() {
  const body = byId<HTMLTableElement>('log').tBodies[0] as HTMLTableSectionElement
  return {
    add(row: LogRow): void {
      const tr = document.createElement('tr')
      tr.dataset.kind = row.kind
      tr.dataset.what = row.what
      tr.dataset.path = row.path
      const status = document.createElement('td')
      if (row.kind !== 'event') {
        const pill = document.createElement('span')
        pill.className = `status s${row.status === undefined ? 'x' : String(row.status)[0]}`
        pill.textContent = row.status === undefined ? 'failed' : String(row.status)
        status.append(pill)
        tr.dataset.status = String(row.status ?? 'failed')
      }
      const ms = row.ms === undefined ? '' : String(row.ms)
      tr.append(cell(timeOfDay(Date.now())), cell(row.what), cell(row.path, 'mono'), status, cell(ms, 'ms'))
      tr.append(cell(row.detail, 'detail'))
      body.prepend(tr)
      while (body.rows.length > MAX_ROWS) body.deleteRow(-1)
    },
  }
}

export interface TimelineEntry {
  /** A refresh cause, or `login`, `logout`, `session-expired`, `refresh-failed`. */
  readonly cause: string
  readonly title: string
  readonly detail: string
}

export function createTimelineView() {
  const list = byId<HTMLOListElement>('timeline')
  return {
    add(entry: TimelineEntry): void {
      list.querySelector('.empty')?.remove()
      const item = document.createElement('li')
      item.dataset.cause = entry.cause
      const when = document.createElement('span')
      when.className = 'when'
      when.textContent = timeOfDay(Date.now())
      const what = document.createElement('span')
      what.className = 'what'
      const badge = document.createElement('span')
      badge.className = 'badge'
      badge.textContent = entry.title
      const detail = document.createElement('span')
      detail.textContent = entry.detail
      what.append(badge, detail)
      item.append(when, what)
      list.prepend(item)
      while (list.children.length > MAX_ROWS) list.lastElementChild?.remove()
    },
  }
}

/** What the card shows of a token: never the token, at most its tail. */
export interface TokenFacts {
  readonly user: string
  readonly tail: string
  /** Local time (`Date.now()`) from which the token counts as expired. */
  readonly expiresAt: number
  /** The token's conservative lifetime, as the SDK counts it. */
  readonly lifetime: number
  /** When the SDK's proactive refresh is due (its default margin). */
  readonly refreshAt: number
}

export type SessionState = 'signedOut' | 'signedIn' | 'expired'

const ARC_LENGTH = 402.12

export function createSessionView() {
  const card = byId('session')
  const ring = byId('countdown')
  let facts: TokenFacts | undefined

  const text = (id: string, value: string) => {
    byId(id).textContent = value
  }
  const tick = () => {
    if (!facts || card.dataset.state !== 'signedIn') return
    const now = Date.now()
    const left = facts.expiresAt - now
    ring.dataset.remainingMs = String(Math.max(0, Math.round(left)))
    text('countdown-value', left <= 0 ? 'expired' : duration(left).replace(/ s$/, ''))
    text('countdown-unit', left <= 0 ? 'next request refreshes first' : left < 60_000 ? 'seconds left' : 'left')
    const fraction = Math.min(1, Math.max(0, left / facts.lifetime))
    byId('countdown-arc').setAttribute('stroke-dashoffset', String(ARC_LENGTH * (1 - fraction)))
    ring.style.setProperty('--ring', fraction > 0.5 ? 'var(--teal)' : fraction > 0.25 ? 'var(--amber)' : 'var(--rose)')
    const untilRefresh = facts.refreshAt - now
    text('fact-refresh', untilRefresh > 0 ? `in ${duration(untilRefresh)}` : 'due')
  }
  setInterval(tick, 100)

  return {
    state: (): SessionState => card.dataset.state as SessionState,
    show(state: SessionState): void {
      card.dataset.state = state
      if (state !== 'signedIn') text('session-user', '')
    },
    signedIn(next: TokenFacts): void {
      facts = next
      card.dataset.state = 'signedIn'
      text('session-user', `as ${next.user}`)
      text('fact-user', next.user)
      text('fact-token', next.tail)
      text('fact-lifetime', duration(next.lifetime))
      text('fact-expires', timeOfDay(next.expiresAt))
      tick()
    },
    refreshRequests(count: number): void {
      text('fact-refreshes', String(count))
    },
  }
}

export type SessionView = ReturnType<typeof createSessionView>
