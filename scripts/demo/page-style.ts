/** The demo page's stylesheet, inlined into its one HTML document. */
export const DEMO_STYLE = `
:root {
  color-scheme: dark;
  --bg: #0b1020; --card: rgba(255,255,255,.045); --line: rgba(255,255,255,.09); --text: #e6e9f2; --muted: #8b93a7;
  --indigo: #8b9cff; --teal: #34d5b8; --amber: #f5c04e; --rose: #ff7a8a; --sky: #5cc4ff; --violet: #c592ff;
  --mono: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
body {
  margin: 0; min-height: 100vh; color: var(--text);
  font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", Arial, sans-serif;
  background: radial-gradient(1200px 600px at 10% -10%, #26216b 0%, transparent 60%),
    radial-gradient(900px 500px at 110% 10%, #0d4b5c 0%, transparent 55%), var(--bg);
}
header { display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap;
  padding: 22px 32px 6px; }
.brand { display: flex; align-items: center; gap: 12px; }
.logo { flex: none; width: 38px; height: 38px; border-radius: 11px; display: grid; place-items: center; font-weight: 800;
  background: linear-gradient(135deg, var(--indigo), var(--teal)); color: #0b1020; font-size: 17px; }
.brand h1 { margin: 0; font-size: 20px; letter-spacing: .2px; }
.brand p { margin: 0; color: var(--muted); font-size: 13px; }
.status-line { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; color: var(--muted); font-size: 12.5px; }
.chip { border: 1px solid var(--line); border-radius: 999px; padding: 3px 10px; background: var(--card); white-space: nowrap; }
.chip b { color: var(--text); font-weight: 600; }
.chip.online b { color: var(--teal); }
.chip.offline { border-color: rgba(255,122,138,.5); } .chip.offline b { color: var(--rose); }
.chip.ahead { border-color: rgba(197,146,255,.5); } .chip.ahead b { color: var(--violet); }
main { display: grid; grid-template-columns: minmax(340px, 420px) 1fr; gap: 18px; padding: 16px 32px 8px;
  align-items: start; }
.column { display: grid; gap: 18px; min-width: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 16px; padding: 18px 20px;
  box-shadow: 0 10px 30px rgba(0,0,0,.25); backdrop-filter: blur(6px); min-width: 0; }
.card h2 { margin: 0 0 12px; font-size: 12px; text-transform: uppercase; letter-spacing: 1.4px; color: var(--muted);
  display: flex; justify-content: space-between; align-items: baseline; }
.card h2 small { text-transform: none; letter-spacing: 0; font-size: 12px; }
label { display: block; font-size: 12px; color: var(--muted); margin: 0 0 10px; }
input { display: block; width: 100%; margin-top: 4px; padding: 9px 11px; border-radius: 10px; color: var(--text);
  border: 1px solid var(--line); background: rgba(0,0,0,.25); font: inherit; }
input:focus { outline: 2px solid var(--indigo); outline-offset: 1px; }
button { font: inherit; cursor: pointer; border-radius: 10px; border: 1px solid var(--line); color: var(--text);
  background: rgba(255,255,255,.06); padding: 9px 14px; transition: background .15s, transform .05s; }
button:hover:not(:disabled) { background: rgba(255,255,255,.11); }
button:active:not(:disabled) { transform: translateY(1px); }
button:disabled { opacity: .4; cursor: not-allowed; }
button.primary { background: linear-gradient(135deg, #6d7dff, #4fc3e8); border: 0; color: #0b1020; font-weight: 700; }
.signed-in, .signed-out { display: none; }
#session[data-state="signedIn"] .signed-in { display: block; }
#session[data-state="signedOut"] .signed-out, #session[data-state="expired"] .signed-out { display: block; }
.banner { display: none; margin: 0 0 12px; padding: 9px 12px; border-radius: 10px; font-size: 13px;
  background: rgba(255,122,138,.12); border: 1px solid rgba(255,122,138,.45); color: #ffc2ca; }
#session[data-state="expired"] .banner { display: block; }
.hint { color: var(--muted); font-size: 12px; margin: 10px 0 0; }
.meter { display: flex; gap: 18px; align-items: center; }
.ring { position: relative; width: 150px; height: 150px; flex: none; }
.ring svg { transform: rotate(-90deg); }
.ring .track { stroke: rgba(255,255,255,.08); }
.ring .arc { stroke: var(--ring, var(--teal)); transition: stroke .3s; stroke-linecap: round; }
.ring .value { position: absolute; inset: 0; display: grid; place-content: center; text-align: center; }
.ring .value strong { font-size: 30px; font-variant-numeric: tabular-nums; letter-spacing: -.5px; }
.ring .value span { color: var(--muted); font-size: 11.5px; }
.facts { display: grid; gap: 6px; font-size: 13px; min-width: 0; }
.facts div { display: flex; justify-content: space-between; gap: 12px; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; font-variant-numeric: tabular-nums; text-align: right; }
code, .mono { font-family: var(--mono); font-size: 12.5px; }
.session-actions { display: flex; justify-content: flex-end; margin-top: 14px; }
.actions { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.action:last-child:nth-child(odd) { grid-column: 1 / -1; }
.action { text-align: left; display: grid; gap: 2px; padding: 11px 12px; }
.action b { font-size: 13.5px; } .action span { color: var(--muted); font-size: 11.5px; line-height: 1.35; }
[data-action="call"] { --accent: var(--teal); } [data-action="burst"], [data-action="sleep"] { --accent: var(--violet); }
[data-action="reject"] { --accent: var(--amber); } [data-action="revoke"] { --accent: var(--rose); }
[data-action="network"] { --accent: var(--sky); } [data-action="tab"] { --accent: var(--indigo); }
.action i { font-style: normal; color: var(--accent, var(--indigo)); margin-right: 6px; }
.result { margin: 12px 0 0; padding: 10px 12px; border-radius: 10px; background: rgba(52,213,184,.08);
  border: 1px solid rgba(52,213,184,.35); font-size: 13px; }
.result:empty { display: none; }
.result.bad { background: rgba(255,122,138,.08); border-color: rgba(255,122,138,.4); }
.result strong { font-variant-numeric: tabular-nums; }
#timeline { list-style: none; margin: 0; padding: 0 0 0 6px; display: grid; gap: 0; max-height: 330px; overflow: auto; }
#timeline li { position: relative; display: grid; grid-template-columns: 74px 1fr auto; gap: 10px; align-items: center;
  padding: 7px 0 7px 20px; border-left: 2px solid var(--line); }
#timeline li::before { content: ""; position: absolute; left: -7px; top: 50%; margin-top: -6px; width: 12px; height: 12px;
  border-radius: 50%; background: var(--dot, var(--muted)); box-shadow: 0 0 0 4px var(--bg); }
#timeline .when { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 12px; }
#timeline .what b { font-weight: 600; }
#timeline .what span { color: var(--muted); font-size: 12px; margin-left: 6px; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 11.5px; font-weight: 600;
  color: var(--dot, var(--muted)); background: color-mix(in srgb, var(--dot, var(--muted)) 14%, transparent);
  border: 1px solid color-mix(in srgb, var(--dot, var(--muted)) 40%, transparent); }
[data-cause="proactive"] { --dot: var(--teal); } [data-cause="after-401"] { --dot: var(--amber); }
[data-cause="expired"] { --dot: var(--violet); } [data-cause="other-tab"] { --dot: var(--sky); }
[data-cause="restore"] { --dot: var(--indigo); } [data-cause="login"] { --dot: #e6e9f2; }
[data-cause="logout"] { --dot: var(--muted); } [data-cause="session-expired"], [data-cause="refresh-failed"] { --dot: var(--rose); }
.empty { color: var(--muted); font-size: 13px; padding: 6px 0; }
#timeline li.empty { display: block; border-left: 0; padding-left: 0; }
#timeline li.empty::before { display: none; }
.legend { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 12px; }
.log-wrap { max-height: 360px; overflow: auto; }
table { width: 100%; border-collapse: collapse; font-size: 12.5px; }
th { text-align: left; color: var(--muted); font-weight: 500; font-size: 11.5px; padding: 0 8px 6px; position: sticky; top: 0;
  background: #141a2e; }
td { padding: 5px 8px; border-top: 1px solid var(--line); white-space: nowrap; font-variant-numeric: tabular-nums; }
td.detail { white-space: normal; color: var(--muted); width: 100%; }
td.ms { text-align: right; color: var(--muted); }
.status { display: inline-block; min-width: 38px; text-align: center; border-radius: 6px; padding: 0 6px; font-weight: 700;
  font-family: var(--mono); font-size: 12px; }
.s2 { color: var(--teal); background: rgba(52,213,184,.12); } .s4 { color: var(--amber); background: rgba(245,192,78,.12); }
.s5, .sx { color: var(--rose); background: rgba(255,122,138,.12); }
tr[data-kind="event"] td { color: var(--violet); }
tr[data-kind="event"] td.detail { color: var(--muted); }
tr[data-kind="demo"] td { color: var(--muted); font-style: italic; }
footer { padding: 6px 32px 28px; color: var(--muted); font-size: 12px; max-width: 1100px; }
footer b { color: var(--text); font-weight: 600; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; padding: 12px 16px; } header, footer { padding-left: 16px; padding-right: 16px; } }
`
