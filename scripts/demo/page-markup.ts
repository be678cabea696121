/** The demo page's markup: one HTML document with its style and script inline. The script fills it in. */

const ACTIONS = [
  ['call', '&#8599;', 'Call the API', 'GET /protected through auth.api'],
  ['burst', '&#8801;', 'Burst of 20', 'Jump one token life ahead, then 20 requests at once'],
  ['sleep', '&#9790;', 'Simulate sleep', "Move this page's clock ahead 1 hour"],
  ['reject', '&#9888;', 'Provoke a 401', "Spoil the next request's token on its way out"],
  ['revoke', '&#10005;', 'Revoke on the server', 'POST /logout behind the client’s back'],
  ['network', '&#8645;', 'Go offline', 'The client’s fetch fails, navigator.onLine is false'],
  ['tab', '&#8862;', 'Open a second tab', 'Both tabs share one session and one refresh'],
] as const

const actionButtons = ACTIONS.map(
  ([id, icon, title, text]) =>
    `<button type="button" class="action" id="action-${id}" data-action="${id}">` +
    `<b><i aria-hidden="true">${icon}</i><span class="label">${title}</span></b><span>${text}</span></button>`,
).join('\n      ')

const LEGEND = [
  ['proactive', 'Proactive'],
  ['expired', 'Expired, before a request'],
  ['after-401', 'After a 401'],
  ['other-tab', 'From another tab'],
  ['restore', 'Restored on load'],
]
const legend = LEGEND.map(([cause, text]) => `<span class="badge" data-cause="${cause}">${text}</span>`).join(' ')

/** The whole document around `style` and the bundled `script` (an ES module). */
export function demoDocument(style: string, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ky-token-refresh · live demo</title>
<style>${style}</style>
</head>
<body>
<header>
  <div class="brand">
    <div class="logo" aria-hidden="true">ky</div>
    <div><h1>ky-token-refresh</h1><p>Access tokens kept fresh: in memory, proactive, on 401, one refresh for every tab.</p></div>
  </div>
  <div class="status-line">
    <span class="chip">server <b id="origin"></b></span>
    <span class="chip online" id="network-chip">network <b id="network-state">online</b></span>
    <span class="chip" id="clock-chip">page clock <b id="clock-state">real time</b></span>
  </div>
</header>
<main>
  <div class="column">
    <section class="card" id="session" data-state="signedOut" aria-labelledby="session-title">
      <h2 id="session-title">Session <small id="session-user"></small></h2>
      <p class="banner" id="expired-banner" role="alert">Session expired: the server refused the refresh. Log in again.</p>
      <form class="signed-out" id="login-form">
        <label>Username <input name="username" autocomplete="username" value="user1"></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" value="password123"></label>
        <button class="primary" type="submit" id="login-button">Log in as the demo user</button>
        <p class="hint" id="login-hint">The reference server's demo account is filled in.</p>
      </form>
      <div class="signed-in">
        <div class="meter">
          <div class="ring" id="countdown" data-remaining-ms="">
            <svg width="150" height="150" viewBox="0 0 150 150" aria-hidden="true">
              <circle class="track" cx="75" cy="75" r="64" fill="none" stroke-width="11"></circle>
              <circle class="arc" id="countdown-arc" cx="75" cy="75" r="64" fill="none" stroke-width="11"
                stroke-dasharray="402.12" stroke-dashoffset="0"></circle>
            </svg>
            <div class="value"><strong id="countdown-value">–</strong><span id="countdown-unit">access token</span></div>
          </div>
          <dl class="facts">
            <div><dt>User</dt><dd id="fact-user">–</dd></div>
            <div><dt>Access token</dt><dd><code id="fact-token">–</code></dd></div>
            <div><dt>Lifetime</dt><dd id="fact-lifetime">–</dd></div>
            <div><dt>Expires</dt><dd id="fact-expires">–</dd></div>
            <div><dt>Next refresh</dt><dd id="fact-refresh">–</dd></div>
            <div><dt>Refreshes sent here</dt><dd id="fact-refreshes">0</dd></div>
          </dl>
        </div>
        <div class="session-actions"><button type="button" id="logout-button">Log out</button></div>
      </div>
    </section>
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Try it</h2>
      <div class="actions">
      ${actionButtons}
      </div>
      <p class="result" id="action-result" aria-live="polite"></p>
    </section>
  </div>
  <div class="column">
    <section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Refresh timeline <small>newest first</small></h2>
      <ol id="timeline"><li class="empty" data-cause="none">Nothing yet: log in, then watch the token renew itself.</li></ol>
      <div class="legend">${legend}</div>
    </section>
    <section class="card" aria-labelledby="log-title">
      <h2 id="log-title">Requests and events <small>what the client's fetch saw; never a token</small></h2>
      <div class="log-wrap">
        <table id="log"><thead><tr><th>time</th><th>what</th><th>path</th><th>status</th><th>ms</th><th>detail</th></tr></thead>
        <tbody></tbody></table>
      </div>
    </section>
  </div>
</main>
<footer>
  <b>Demo only:</b> “Simulate sleep” and “Burst” replace this page's <code>Date.now</code> and <code>performance.now</code>
  with clocks running ahead (the server's clock does not move); “Go offline” makes the <code>fetch</code> given to the client
  throw and <code>navigator.onLine</code> read false; “Provoke a 401” alters the next token on its way out. None of this is
  part of the SDK. Tokens are never shown: at most their last 6 characters. The refresh token is an HttpOnly cookie the page
  cannot read.
</footer>
<script type="module">${script}</script>
</body>
</html>
`
}
