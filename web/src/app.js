// tradecore dashboard: one WebSocket to the bridge, AG-UI events in, panels out.
// Every panel shows only what arrived from the outbox (or the bridge's STATE_SNAPSHOT);
// a panel whose events have never arrived says so instead of drawing anything.
import { createChart, LineSeries, CandlestickSeries, ColorType } from 'lightweight-charts';

const $ = (sel) => document.querySelector(sel);
const MAX_ROWS = 200;

// ---------------------------------------------------------------- state
const st = {
  token: null,
  lastEventId: null,       // resume point after a reconnect
  role: null,
  workers: [],
  orders: new Map(),       // order id -> latest order payload
  venueWallets: new Set(), // ids (as strings) of external wallets: the paper venue's own side
  showVenue: false,        // show the venue's own orders and fills (its simulated market maker)
  fills: [],
  signals: [],
  positions: new Map(),    // wallet/instrument -> position payload
  balances: new Map(),     // wallet/asset -> balance payload
  alerts: [],
  runs: new Map(),         // runId -> {threadId, status, steps[]}
  messages: new Map(),     // messageId -> {role, text}
  llm: [],
  goals: [],
  venues: new Map(),       // exchange id/code -> status payload
  errors: [],
  prices: new Map(),       // symbol -> {series, last}
  candles: new Map(),      // symbol -> {series}
  pnl: null,
  counts: 0,
  rate: [],
};

// ---------------------------------------------------------------- helpers
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k ?? ''));
  return e;
};
const body = (id) => $(`#${id} .body`);
const empty = (id, text) => { body(id).replaceChildren(el('p', { class: 'empty' }, text)); };
const fmt = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');
function table(id, cols, rows, keyAttr) {
  const t = el('table', {}, el('tr', {}, ...cols.map((c) => el('th', {}, c[0]))));
  for (const r of rows) {
    const tr = el('tr', keyAttr ? { [keyAttr]: String(r[keyAttr]) } : {}, ...cols.map((c) => {
      const v = c[1](r);
      return el('td', c[2] ? { class: c[2](r) } : {}, fmt(v));
    }));
    t.append(tr);
  }
  body(id).replaceChildren(t);
}
const chartOpts = {
  layout: { background: { type: ColorType.Solid, color: '#171d24' }, textColor: '#d7dde4' },
  grid: { vertLines: { color: '#26303b' }, horzLines: { color: '#26303b' } },
  timeScale: { timeVisible: true, secondsVisible: true },
  autoSize: true,
};

// ---------------------------------------------------------------- panels
function renderOverview() {
  const b = body('p-overview');
  const rows = [
    ['role', st.role ?? '—'],
    ['events received', String(st.counts)],
    ['events / s (10 s)', (st.rate.filter((t) => t > Date.now() - 10000).length / 10).toFixed(1)],
  ];
  const t = el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  const w = st.workers.length
    ? el('table', {}, el('tr', {}, el('th', {}, 'worker'), el('th', {}, 'pid'), el('th', {}, 'since')),
      ...st.workers.map((x) => el('tr', {}, el('td', {}, x.worker), el('td', {}, String(x.pid)), el('td', {}, new Date(x.since).toLocaleString()))))
    : el('p', { class: 'empty' }, 'No tradecore worker reported.');
  const venues = st.venues.size
    ? el('table', {}, el('tr', {}, el('th', {}, 'venue'), el('th', {}, 'state'), el('th', {}, 'detail')),
      ...[...st.venues.entries()].map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, fmt(v.state)), el('td', {}, fmt(v.message ?? v.last_error ?? '')))))
    : el('p', { class: 'empty' }, 'No exchange.status events yet.');
  const errs = st.errors.length
    ? el('ul', {}, ...st.errors.slice(0, 10).map((e) => el('li', { class: 'sev-error' }, `${time(e.ts)} ${e.text}`)))
    : el('p', { class: 'empty' }, 'No errors reported.');
  b.replaceChildren(t, el('h2', {}, 'workers'), w, el('h2', {}, 'venues'), venues, el('h2', {}, 'errors'), errs);
}

function priceChart() {
  const b = body('p-prices');
  if (!st.priceChart) {
    b.replaceChildren();
    const line = el('div', { class: 'chart', 'data-testid': 'price-chart' });
    const candle = el('div', { class: 'chart', 'data-testid': 'candle-chart' });
    b.append(line, candle);
    st.priceChart = createChart(line, chartOpts);
    st.candleChart = createChart(candle, chartOpts);
    st.candleNote = el('p', { class: 'empty' }, 'No candle events yet.');
    b.insertBefore(st.candleNote, candle);
  }
}

const palette = ['#4fc3f7', '#ffb74d', '#ba68c8', '#81c784', '#e57373', '#fff176'];
function onTick(p, ts) {
  const sym = p.symbol ?? `instrument ${p.instrument_id ?? '?'}`;
  const value = Number(p.last ?? p.price ?? ((Number(p.bid) + Number(p.ask)) / 2));
  if (!Number.isFinite(value)) return;
  priceChart();
  let s = st.prices.get(sym);
  if (!s) {
    s = { series: st.priceChart.addSeries(LineSeries, { color: palette[st.prices.size % palette.length], title: sym }), last: 0 };
    st.prices.set(sym, s);
  }
  const t = Math.max(Math.floor((Date.parse(p.ts ?? '') || ts) / 1000), s.last);
  s.series.update({ time: t, value });
  s.last = t;
}

function onCandle(p, ts) {
  const sym = p.symbol ?? `instrument ${p.instrument_id ?? '?'}`;
  const c = { open: Number(p.open), high: Number(p.high), low: Number(p.low), close: Number(p.close) };
  if (![c.open, c.high, c.low, c.close].every(Number.isFinite)) return;
  priceChart();
  let s = st.candles.get(sym);
  if (!s) { s = { series: st.candleChart.addSeries(CandlestickSeries, { title: sym }), last: 0 }; st.candles.set(sym, s); st.candleNote.remove(); }
  const t = Math.max(Math.floor((Date.parse(p.ts ?? '') || ts) / 1000), s.last);
  s.series.update({ time: t, ...c });
  s.last = t;
}

function renderSignals() {
  if (!st.signals.length) return empty('p-signals', 'No signals yet: they appear when strategies run.');
  table('p-signals', [
    ['time', (r) => time(r._ts)], ['run / strategy', (r) => r.strategy ?? r.strategy_id ?? (r.run_id ? `run ${r.run_id}` : '')],
    ['instrument', (r) => r.symbol ?? r.instrument_id],
    ['dir', (r) => ({ 1: 'long', '-1': 'short', 0: 'flat' })[r.direction] ?? r.direction, (r) => (r.direction > 0 ? 'buy' : r.direction < 0 ? 'sell' : '')],
    ['score', (r) => r.score ?? r.strength], ['size', (r) => r.size], ['confidence', (r) => r.confidence],
  ], st.signals);
}

// The simulated market maker quotes on every step from an external wallet: left in, its
// orders would push the agents' own off the panel.  They are hidden unless asked for.
const ownSide = (r) => st.showVenue || !st.venueWallets.has(String(r.wallet_id));

function renderOrders() {
  const b = body('p-orders');
  const all = [...st.orders.values()];
  const orders = all.filter(ownSide).sort((a, b2) => b2._id - a._id).slice(0, MAX_ROWS);
  const fills = st.fills.filter(ownSide);
  const hidden = all.length - all.filter(ownSide).length + st.fills.length - fills.length;
  const toggle = el('label', { class: 'toggle' },
    el('input', { type: 'checkbox', checked: st.showVenue, 'data-testid': 'show-venue',
      onchange: (e) => { st.showVenue = e.target.checked; renderOrders(); } }),
    st.showVenue ? ' venue\'s own orders and fills shown' : ` venue's own orders and fills (${hidden} hidden)`);
  const oTable = el('table', { 'data-testid': 'orders-table' },
    el('tr', {}, ...['time', 'order', 'side', 'type', 'qty', 'price', 'filled', 'status'].map((h) => el('th', {}, h))));
  for (const o of orders) {
    const oid = o.order_id ?? o.id;
    oTable.append(el('tr', { 'data-order-id': String(oid), class: o._fresh ? 'new' : '' },
      el('td', {}, time(o._ts)), el('td', {}, fmt(o.client_order_id ?? oid)),
      el('td', { class: o.side }, fmt(o.side)), el('td', {}, fmt(o.type)), el('td', {}, fmt(o.qty)),
      el('td', {}, fmt(o.price ?? 'market')), el('td', {}, fmt(o.filled_qty ?? '')), el('td', {}, fmt(o.status ?? o._type))));
    o._fresh = false;
  }
  const fTable = el('table', { 'data-testid': 'fills-table' },
    el('tr', {}, ...['time', 'order', 'qty', 'price', 'fee', 'liquidity'].map((h) => el('th', {}, h))),
    ...fills.slice(0, MAX_ROWS).map((f) => el('tr', {}, el('td', {}, time(f._ts)), el('td', {}, fmt(f.order_id)),
      el('td', {}, fmt(f.qty)), el('td', {}, fmt(f.price)), el('td', {}, `${fmt(f.fee)} ${fmt(f.fee_asset)}`), el('td', {}, fmt(f.liquidity)))));
  b.replaceChildren(
    toggle,
    orders.length ? oTable : el('p', { class: 'empty', 'data-testid': 'orders-empty' },
      all.length ? 'No orders from trading wallets yet.' : 'No orders yet.'),
    el('h2', {}, 'fills'),
    fills.length ? fTable : el('p', { class: 'empty' }, 'No fills yet.'));
}

function renderPositions() {
  const b = body('p-positions');
  if (!st.positions.size) return empty('p-positions', 'No positions yet: they appear with the first fill.');
  const rows = [...st.positions.values()];
  const t = el('table', {}, el('tr', {}, ...['wallet', 'instrument', 'qty', 'avg price', 'realized P&L'].map((h) => el('th', {}, h))),
    ...rows.map((p) => el('tr', {}, el('td', {}, fmt(p.wallet_id)), el('td', {}, fmt(p.symbol ?? p.instrument_id)), el('td', {}, fmt(p.qty)),
      el('td', {}, fmt(p.avg_price)), el('td', { class: Number(p.realized_pnl) >= 0 ? 'buy' : 'sell' }, fmt(p.realized_pnl)))));
  if (!st.pnl) {
    const div = el('div', { class: 'chart', 'data-testid': 'pnl-chart' });
    st.pnlDiv = div;
    st.pnlChart = createChart(div, chartOpts);
    st.pnl = { series: st.pnlChart.addSeries(LineSeries, { color: '#26a69a', title: 'realized P&L' }), last: 0 };
  }
  b.replaceChildren(t, st.pnlDiv);
  const total = rows.reduce((s, p) => s + (Number(p.realized_pnl) || 0), 0);
  const tnow = Math.max(Math.floor(Date.now() / 1000), st.pnl.last);
  st.pnl.series.update({ time: tnow, value: total });
  st.pnl.last = tnow;
}

function renderWallets() {
  if (!st.balances.size && !(st.walletTree ?? []).length) return empty('p-wallets', 'No wallets or balance events yet.');
  // the hierarchy (parent_id) when the snapshot carried the wallets, depth-first from the masters
  const byParent = new Map();
  for (const w of st.walletTree ?? []) {
    const k = w.parent_id ?? 0;
    if (!byParent.has(k)) byParent.set(k, []);
    byParent.get(k).push(w);
  }
  const ordered = [];
  const walk = (parent, depth) => { for (const w of byParent.get(parent) ?? []) { ordered.push([w, depth]); walk(w.id, depth + 1); } };
  walk(0, 0);
  const known = new Set(ordered.map(([w]) => w.id));
  for (const w of st.walletTree ?? []) if (!known.has(w.id)) ordered.push([w, 0]);   // parent not visible to this role
  const rows = [];
  for (const [w, depth] of ordered) {
    const bal = [...st.balances.values()].filter((b) => b.wallet_id === w.id);
    if (!bal.length) rows.push({ name: `${'  '.repeat(depth)}${w.name}`, kind: w.kind, asset: '', amount: '' });
    for (const b of bal) rows.push({ name: `${'  '.repeat(depth)}${w.name}`, kind: w.kind, asset: b.asset, amount: b.amount });
  }
  for (const b of st.balances.values()) if (!known.has(b.wallet_id)) rows.push({ name: b.wallet_name ?? `wallet ${b.wallet_id}`, kind: b.kind, asset: b.asset, amount: b.amount });
  table('p-wallets', [['wallet', (r) => r.name], ['kind', (r) => r.kind], ['asset', (r) => r.asset], ['amount', (r) => r.amount]], rows);
  body('p-wallets').querySelectorAll('td:first-child').forEach((td) => { td.style.whiteSpace = 'pre'; });
}

function renderRisk() {
  if (!st.alerts.length) return empty('p-risk', 'No risk alerts.');
  table('p-risk', [['time', (r) => time(r._ts)], ['severity', (r) => r.severity, (r) => `sev-${r.severity}`], ['kind', (r) => r.kind],
    ['message', (r) => r.message]], st.alerts);
}

function renderAgents() {
  const b = body('p-agents');
  if (!st.runs.size && !st.messages.size) return empty('p-agents', 'No agent runs or conversations yet.');
  const runs = el('table', {}, el('tr', {}, ...['run', 'thread', 'status', 'steps'].map((h) => el('th', {}, h))),
    ...[...st.runs.entries()].slice(-20).reverse().map(([id, r]) => el('tr', {}, el('td', {}, id), el('td', {}, r.threadId ?? ''),
      el('td', { class: r.status === 'error' ? 'sev-error' : '' }, r.status), el('td', {}, r.steps.join(' → ')))));
  const msgs = el('div', {}, ...[...st.messages.values()].slice(-30).map((m) => el('div', { class: `msg ${m.role}` }, el('span', { class: 'muted' }, `${m.role}: `), m.text)));
  b.replaceChildren(runs, el('h2', {}, 'conversation'), msgs);
}

function renderLlm() {
  if (!st.llm.length) return empty('p-llm', 'No LLM usage recorded: llm.* events appear when the LLM worker sends requests.');
  table('p-llm', [['time', (r) => time(r._ts)], ['provider', (r) => r.provider], ['model', (r) => r.model],
    ['tokens', (r) => (r.input_tokens ?? 0) + (r.output_tokens ?? 0)], ['cost', (r) => r.cost_usd ?? r.cost]], st.llm);
}

function renderGoals() {
  if (!st.goals.length) return empty('p-goals', 'No goal events yet.');
  table('p-goals', [['goal', (r) => r.name ?? r.goal_id], ['target', (r) => r.target], ['progress', (r) => r.progress]], st.goals);
}

const renderers = { renderOverview, renderSignals, renderOrders, renderPositions, renderWallets, renderRisk, renderAgents, renderLlm, renderGoals };
const dirty = new Set(Object.keys(renderers));
let scheduled = false;
function schedule(...names) {
  names.forEach((n) => dirty.add(n));
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; for (const n of dirty) renderers[n](); dirty.clear(); });
}

// ---------------------------------------------------------------- AG-UI events
const capped = (arr, v) => { arr.unshift(v); if (arr.length > MAX_ROWS) arr.length = MAX_ROWS; };

function onCustom(name, value, ev) {
  const p = value && typeof value === 'object' ? { ...value } : { value };
  p._ts = ev.timestamp; p._id = ev.metadata?.tradecore?.eventId ?? 0; p._type = name;
  const topic = name.split('.')[0];
  switch (topic) {
    case 'tick': onTick(p, ev.timestamp); break;
    case 'candle': onCandle(p, ev.timestamp); break;
    case 'signal': capped(st.signals, p); schedule('renderSignals'); break;
    case 'order': {
      const id = p.order_id ?? p.id ?? `e${p._id}`;
      st.orders.set(id, { ...(st.orders.get(id) ?? {}), ...p, _fresh: true, status: p.status ?? name.split('.')[1] });
      schedule('renderOrders'); break;
    }
    case 'fill': capped(st.fills, p); schedule('renderOrders'); break;
    case 'position': st.positions.set(`${p.wallet_id}/${p.instrument_id}`, p); schedule('renderPositions'); break;
    case 'balance': {
      // the event carries the leg ("amount") and the wallet's new balance ("balance"); the
      // panel shows balances, so keep the snapshot's wallet fields and take the new balance
      const key = `${p.wallet_id}/${p.asset}`;
      st.balances.set(key, { ...(st.balances.get(key) ?? {}), ...p, amount: p.balance ?? p.amount });
      schedule('renderWallets'); break;
    }
    case 'alert': capped(st.alerts, p); schedule('renderRisk'); break;
    case 'goal': capped(st.goals, p); schedule('renderGoals'); break;
    case 'llm': capped(st.llm, p); schedule('renderLlm'); break;
    case 'exchange':
      st.venues.set(String(p.exchange ?? p.code ?? p.exchange_id), p);
      if (p.state === 'error' || p.state === 'down') capped(st.errors, { ts: p._ts, text: `${p.exchange ?? p.exchange_id}: ${p.message ?? p.state}` });
      schedule('renderOverview'); break;
    case 'run': onRunCustom(name, p); break;
    default: break;
  }
}

// current rows the bridge read as this role when the stream started (RLS applies)
function loadTables(t, ts) {
  if (Array.isArray(t.wallets)) {
    st.walletTree = t.wallets;
    st.venueWallets = new Set(t.wallets.filter((w) => w.kind === 'external').map((w) => String(w.id)));
    st.balances.clear();
    for (const w of t.wallets) {
      for (const [asset, amount] of Object.entries(w.balances ?? {})) {
        st.balances.set(`${w.id}/${asset}`, { wallet_id: w.id, wallet_name: w.name, kind: w.kind, parent_id: w.parent_id, asset, amount });
      }
    }
  }
  if (Array.isArray(t.positions)) for (const p of t.positions) st.positions.set(`${p.wallet_id}/${p.instrument_id}`, p);
  if (Array.isArray(t.orders)) {
    for (const o of t.orders) {
      if (!st.orders.has(o.id)) st.orders.set(o.id, { ...o, order_id: o.id, _ts: Date.parse(o.ts) || ts, _id: 0 });
    }
  }
  if (Array.isArray(t.alerts) && !st.alerts.length) st.alerts.push(...t.alerts.map((a) => ({ ...a, _ts: Date.parse(a.ts) || ts })));
  if (Array.isArray(t.goals)) st.goals = t.goals.map((g) => ({ ...g, progress: g.progress ?? g.current_value }));
  if (Array.isArray(t.llm) && !st.llm.length) st.llm.push(...t.llm.map((r) => ({ ...r, _ts: Date.parse(r.ts) || ts })));
}

function onRunCustom(name, p) {
  const id = String(p.run_id ?? `event-${p._id}`);
  const r = st.runs.get(id) ?? { threadId: p.thread_id, status: 'running', steps: [] };
  if (name === 'run.finished') r.status = 'finished';
  if (name === 'run.error') { r.status = 'error'; capped(st.errors, { ts: p._ts, text: p.error ?? p.message ?? 'run failed' }); }
  if (name === 'run.step' && p.step) r.steps.push(p.step);
  st.runs.set(id, r);
  schedule('renderAgents', 'renderOverview');
}

function onEvent(ev) {
  const id = ev.metadata?.tradecore?.eventId;
  if (id) { st.counts++; st.rate.push(Date.now()); if (st.rate.length > 5000) st.rate.splice(0, 2500); }
  switch (ev.type) {
    case 'STATE_SNAPSHOT':
      st.lastEventId = ev.snapshot.lastEventId;
      st.role = ev.snapshot.role;
      st.workers = ev.snapshot.workers ?? [];
      $('#whoami').textContent = `as ${st.role}`;
      loadTables(ev.snapshot.tables ?? {}, ev.timestamp);
      schedule(...Object.keys(renderers));
      break;
    case 'STATE_DELTA':
      for (const op of ev.delta) if (op.path === '/lastEventId') st.lastEventId = op.value;
      $('#lastid').textContent = `event #${st.lastEventId}`;
      schedule('renderOverview');
      break;
    case 'CUSTOM': onCustom(ev.name, ev.value, ev); break;
    case 'RUN_STARTED': st.runs.set(ev.runId, { threadId: ev.threadId, status: 'running', steps: [] }); schedule('renderAgents'); break;
    case 'RUN_FINISHED': { const r = st.runs.get(ev.runId) ?? { threadId: ev.threadId, steps: [] }; r.status = 'finished'; st.runs.set(ev.runId, r); schedule('renderAgents'); break; }
    case 'RUN_ERROR': capped(st.errors, { ts: ev.timestamp, text: ev.message }); schedule('renderOverview', 'renderAgents'); break;
    case 'STEP_STARTED': case 'STEP_FINISHED': {
      const last = [...st.runs.values()].at(-1);
      if (last && ev.type === 'STEP_STARTED') last.steps.push(ev.stepName);
      schedule('renderAgents'); break;
    }
    case 'TEXT_MESSAGE_START': st.messages.set(ev.messageId, { role: ev.role ?? 'assistant', text: '' }); break;
    case 'TEXT_MESSAGE_CONTENT': { const m = st.messages.get(ev.messageId); if (m) m.text += ev.delta; break; }
    case 'TEXT_MESSAGE_END': schedule('renderAgents'); break;
    default: break;
  }
}

// ---------------------------------------------------------------- connection
let backoff = 500;
function setConn(cls, text) { const c = $('#conn'); c.className = `pill ${cls}`; c.textContent = text; }

function connect() {
  const q = new URLSearchParams({ token: st.token });
  if (st.lastEventId !== null) q.set('last_event_id', String(st.lastEventId)); else q.set('backlog', '200');
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?${q}`);
  setConn('wait', 'connecting');
  ws.onopen = () => { setConn('on', 'live'); backoff = 500; };
  ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { console.error('bad event', e); } };
  ws.onclose = (e) => {
    if (e.code === 1008) {      // bad or expired token: ask for a new one, do not hammer the server
      setConn('off', `refused: ${e.reason}`);
      localStorage.removeItem('tradecore.token');
      $('#login').hidden = false;
      return;
    }
    setConn('off', `disconnected (${e.code}); retrying`);
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
  };
}

function start() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) { localStorage.setItem('tradecore.token', fromHash); history.replaceState(null, '', location.pathname); }
  st.token = fromHash ?? localStorage.getItem('tradecore.token');
  $('#login').onsubmit = (e) => {
    e.preventDefault();
    st.token = $('#token-input').value.trim();
    localStorage.setItem('tradecore.token', st.token);
    $('#login').hidden = true;
    connect();
  };
  for (const n of Object.keys(renderers)) renderers[n]();
  empty('p-prices', 'No prices yet: ticks and candles appear when the poller or the paper exchange emits them.');
  if (!st.token) { $('#login').hidden = false; setConn('off', 'no token'); return; }
  connect();
  setInterval(() => schedule('renderOverview'), 2000);
}

start();
