'use strict';
// The operators' console: a page per task over the admin API. The token lives in this tab's session storage and
// goes out as a bearer header, never as a cookie, so no other site can act with it.

const tokenKey = 'eventapp.console.token';
const page = document.getElementById('page');
let refresh = null;
// each navigation's number: an answer that arrives after the operator moved on is dropped, not drawn over the new page
let generation = 0;
class Stale extends Error {}

const present = children => children.flat().filter(c => c !== null && c !== undefined && c !== false);
const show = (...children) => page.replaceChildren(...present(children));
const add = (...children) => page.append(...present(children));

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of present(children)) el.append(c instanceof Node ? c : String(c));
  return el;
}

class ApiError extends Error {
  constructor(status, problem) { super(problem?.detail || problem?.title || `HTTP ${status}`); this.status = status; }
}

async function api(path, options = {}) {
  const mine = generation;
  const token = options.anonymous ? null : sessionStorage.getItem(tokenKey);
  const response = await fetch(path, {
    method: options.method || 'GET',
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(options.body ? { 'Content-Type': 'application/json' } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined
  });
  const text = await response.text();
  let data = null;
  // a proxy's error page is not JSON: the status still says what happened
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (mine !== generation) throw new Stale();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const alertText = message => h('p', { class: 'error', role: 'alert' }, message);

// sign-in through an authority: authorization code with PKCE, the verifier and state kept in this tab until it returns
const flowKey = 'eventapp.console.sign-in';
const base64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
// the console's folder, however the page was opened (its index file, a query, a fragment): the address registered
const redirectUri = () => new URL('./', location.href).href;

async function startAuthority(settings) {
  if (!window.isSecureContext) {
    throw new Error('Signing in at an authority needs HTTPS (or localhost): '
      + 'the browser keeps its crypto from other pages.');
  }
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(flowKey, JSON.stringify({ state, verifier, hash: location.hash || '#/overview' }));
  const query = new URLSearchParams({ response_type: 'code', client_id: settings.clientId,
    redirect_uri: redirectUri(), scope: settings.scope, state, code_challenge: challenge,
    code_challenge_method: 'S256' });
  if (settings.resource) query.set('resource', settings.resource);
  location.assign(`${settings.authorizationEndpoint}?${query}`);
}

// the authority answers in the query; nothing in an answer counts before its state matches the request this tab made,
// and its code becomes a token only with that request's verifier
async function finishAuthority(answer) {
  const flow = JSON.parse(sessionStorage.getItem(flowKey) || 'null');
  sessionStorage.removeItem(flowKey);
  history.replaceState(null, '', `${location.pathname}${flow?.hash ?? '#/overview'}`);
  if (!flow || answer.get('state') !== flow.state) {
    throw new Error('That answer is not for a sign-in this tab started; sign in again.');
  }
  const settings = await api('sign-in', { anonymous: true });
  if ((settings.issuerInAnswer || answer.has('iss')) && answer.get('iss') !== settings.issuer) {
    throw new Error('That answer does not come from the authority this service trusts; sign in again.');
  }
  if (answer.get('error')) {
    throw new Error(`The authority refused the sign-in: ${answer.get('error_description') || answer.get('error')}`);
  }
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: answer.get('code'),
    redirect_uri: redirectUri(), client_id: settings.clientId, code_verifier: flow.verifier });
  if (settings.resource) body.set('resource', settings.resource);
  const response = await fetch(settings.tokenEndpoint, { method: 'POST', body });
  const data = await response.json().catch(() => null);
  if (!response.ok || !data?.access_token) {
    const reason = data?.error_description || data?.error || `HTTP ${response.status}`;
    throw new Error(`The authority gave no token: ${reason}`);
  }
  sessionStorage.setItem(tokenKey, data.access_token);
}

async function signIn(message) {
  stopRefresh();
  generation++;
  document.getElementById('sign-out').hidden = true;
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, size: 60 });
  const notice = message ? h('p', { class: 'notice', role: 'alert' }, message) : null;
  const hint = h('p', {},
    'Open the sign-in URL ./run.sh prints, or paste an admin token (./run.sh -- token --role admin).');
  show(h('h1', {}, 'Sign in'), notice, hint,
    h('form', { class: 'row', onsubmit: e => {
      e.preventDefault();
      sessionStorage.setItem(tokenKey, input.value.trim());
      route();
    } }, h('label', { for: 'token' }, 'Admin token', input), h('button', { type: 'submit' }, 'Sign in')));
  input.focus();
  let settings;
  try { settings = await api('sign-in', { anonymous: true }); } catch (e) {
    if (!(e instanceof Stale)) add(alertText(`Sign-in through the authority: ${e.message}`));
    return;
  }
  if (settings.mode !== 'authority') return;
  const button = h('button', { type: 'button', id: 'authority',
    onclick: () => startAuthority(settings).catch(e => add(alertText(e.message))) },
  `Sign in at ${new URL(settings.authorizationEndpoint).host}`);
  hint.replaceChildren('Sign in with your account at the service\'s authority, or paste an admin token it issued.');
  hint.before(h('p', {}, button));
  button.focus();
}

function failed(error) {
  if (error instanceof Stale) return;
  if (error.status === 401) return signIn('The token was refused (expired, or not one this service accepts).');
  if (error.status === 403) {
    stopRefresh();
    return show(h('h1', {}, 'Forbidden'),
      h('p', { id: 'forbidden', role: 'alert' }, 'This console is for the admin role; this token does not have it (403).'));
  }
  add(alertText(error.message));
}

function confirmAction(title, preview) {
  // the answer shown after this action replaces the last one's
  document.getElementById('action-result')?.remove();
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-preview').textContent = preview;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'),
    { once: true }));
}

const fmt = {
  n: v => v === null || v === undefined ? '–' : Number(v).toLocaleString('en'),
  s: v => v === null || v === undefined ? '–' : `${Number(v).toFixed(1)} s`,
  t: v => v ? new Date(v).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–'
};

const status = value => h('span', { class: `status ${value}` }, value);

function table(columns, rows, empty = 'None.') {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : null,
    scope: 'col' }, c.title)))), h('tbody', {}, rows.map(r => h('tr', {}, columns.map(c =>
    h('td', { class: c.num ? 'num' : null }, c.cell(r)))))));
}

function chart(title, points, value, unit) {
  const values = points.map(value);
  const highest = Math.max(0, ...values);
  const max = Math.max(1, highest);
  const width = 300, height = 80;
  const xy = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * width},${height - (v / max) * height}`);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: last ${values.at(-1) ?? 0} ${unit}, highest ${highest} ${unit}`);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', xy.join(' '));
  svg.append(line);
  return h('div', { class: 'chart' }, h('div', {}, h('strong', {}, title), ' ',
    h('span', { class: 'muted' }, `${fmt.n(values.at(-1) ?? 0)} ${unit} now, ${fmt.n(highest)} at most (15 min)`)), svg);
}

function stopRefresh() { if (refresh) clearInterval(refresh); refresh = null; }

function every(ms, render) {
  stopRefresh();
  const run = () => render().catch(failed);
  refresh = setInterval(run, ms);
  return run();
}

const pages = {
  async overview() {
    return every(5000, async () => {
      const o = await api('/api/admin/console/overview');
      const stuck = o.stuckSagas.reduce((n, s) => n + s.count, 0);
      const parked = o.parked.reduce((n, p) => n + p.events, 0);
      show(h('h1', {}, 'Overview ', status(o.health.status)),
        o.health.reasons.length ? h('ul', { id: 'reasons' }, o.health.reasons.map(r => h('li', {}, r))) : null,
        h('div', { class: 'tiles' },
          tile('Dead letters', fmt.n(o.deadLetters), 'dead-letters'),
          tile('Parked events', fmt.n(parked), 'parked'),
          tile('Stuck sagas', fmt.n(stuck), 'stuck'),
          tile('Outbox', `${fmt.n(o.outboxMessages)} (oldest ${fmt.s(o.outboxOldestSeconds ?? 0)})`, 'outbox')),
        h('div', { class: 'charts' },
          chart('Events handled', o.history, p => p.eventsPerSecond, '/s'),
          chart('Failures in the alert window', o.history, p => p.recentFailures, ''),
          chart('Projection lag', o.history, p => p.maxLagSeconds, 's'),
          chart('Outbox oldest', o.history, p => p.outboxOldestSeconds, 's')),
        h('h2', {}, 'Failures by event type and handler'),
        table([{ title: 'Event type', cell: r => r.eventType }, { title: 'Handler', cell: r => r.handler },
          { title: 'Failures', num: true, cell: r => fmt.n(r.count) },
          { title: 'Last exception', cell: r => r.lastExceptionType }, { title: 'Last at', cell: r => fmt.t(r.lastFailedAt) }],
        o.health.recentErrors, 'No failures in the alert window.'),
        h('h2', {}, 'Projections'), projectionTable(o.projections),
        h('h2', {}, 'Sagas'),
        table([{ title: 'Type', cell: r => r.type }, { title: 'Status', cell: r => status(r.status) },
          { title: 'Count', num: true, cell: r => fmt.n(r.count) }],
        [...o.stuckSagas, ...o.sagas].filter(s => s.count > 0), 'No saga yet.'),
        h('h2', {}, 'Handled events'),
        table([{ title: 'Event type', cell: r => r.eventType }, { title: 'Handler', cell: r => r.handler },
          { title: 'Handled', num: true, cell: r => fmt.n(r.count) }], o.health.processedEvents),
        h('p', { class: 'muted' }, `Store read at ${fmt.t(o.readAt)}; refreshed every 5 s.`));
    });
  },

  async streams(params) {
    const query = h('input', { id: 'find', name: 'q', value: params.get('q') || '', size: 40,
      placeholder: 'a user or order id, or an email' });
    show(h('h1', {}, 'Streams'),
      h('form', { class: 'row', onsubmit: e => { e.preventDefault(); location.hash = `#/streams?q=${encodeURIComponent(query.value.trim())}`; } },
        h('label', { for: 'find' }, 'Find a user or an order', query), h('button', { type: 'submit' }, 'Find')));
    const q = params.get('q');
    if (q && /^[0-9a-f-]{36}$/i.test(q)) await showStream(q, params.get('version'));
    else if (q) {
      const users = await api(`/api/users?email=${encodeURIComponent(q)}&limit=20`);
      add(h('h2', {}, 'Users'), table([{ title: 'Email', cell: u => u.email },
        { title: 'Id', cell: u => h('a', { href: `#/streams?q=${u.id}` }, u.id) }], users, 'No user has that email.'));
    } else await showFeed(Number(params.get('from') || 0));
  },

  async projections() {
    const list = await api('/api/admin/projections');
    show(h('h1', {}, 'Projections'),
      h('p', { class: 'muted' }, `High-water mark ${fmt.n(list.highWaterMark)}; this node ${list.thisNode ?? '–'}.`),
      projectionTable(list.projections, true), h('div', { id: 'rebuild' }));
  },

  async 'dead-letters'() {
    const [groups, sequences, letters] = await Promise.all([api('/api/admin/dead-letters/groups'),
      api('/api/admin/dead-letters/sequences?pageSize=50'), api('/api/admin/dead-letters?pageSize=50')]);
    show(h('h1', {}, 'Dead letters'),
      h('h2', {}, 'Failure groups'),
      table([{ title: 'Failure', cell: g => g.title }, { title: 'Messages', num: true, cell: g => fmt.n(g.count) },
        { title: 'Last failed', cell: g => fmt.t(g.lastFailedAt) },
        { title: 'Actions', cell: g => [
          actButton('Replay', false, `Replay ${g.count} message(s)?`,
            `Every dead letter of "${g.title}" goes back to its queue.`, '/api/admin/dead-letters/replay',
            { group: g.key }), ' ',
          actButton('Discard', true, `Discard ${g.count} message(s)?`,
            `Every dead letter of "${g.title}" is deleted for good.`, '/api/admin/dead-letters/discard',
            { group: g.key })] }],
      groups, 'No dead letters.'),
      h('h2', {}, 'Ordered sequences'),
      table([{ title: 'Consumer', cell: s => s.consumer }, { title: 'Aggregate', cell: s => s.key },
        { title: 'Waiting', num: true, cell: s => fmt.n(s.size) },
        { title: 'Head', cell: s => `${s.head.eventType}: ${s.head.exceptionType ?? ''}: ${s.head.exceptionMessage ?? ''}` },
        { title: 'Actions', cell: s => {
          const path = `/api/admin/dead-letters/sequences/${encodeURIComponent(s.consumer)}/${s.key}`;
          return [
            actButton('Replay', false, `Replay ${s.size} message(s) in order?`,
              `${s.consumer} runs ${s.key}'s sequence from its head (${s.head.eventType}) and stops at the first `
              + 'failure.', `${path}/replay`), ' ',
            actButton('Discard head', true, 'Discard the head?',
              `${s.head.eventType} at position ${s.head.position} is dropped with its dead letter; the other `
              + `${s.size - 1} run.`, `${path}/discard-head`), ' ',
            actButton('Drop', true, `Drop all ${s.size} message(s)?`,
              `The whole sequence of ${s.key} for ${s.consumer} is deleted for good.`, path, undefined, 'DELETE')];
        } }],
      sequences.sequences, 'No sequence is waiting.'),
      h('h2', {}, `Messages (${fmt.n(letters.total)})`),
      table([{ title: 'Message type', cell: d => h('a', { href: `#/dead-letter?id=${d.id}` }, d.messageType) }, { title: 'Exception', cell: d => `${d.exceptionType}: ${d.exceptionMessage}` },
        { title: 'Failed', cell: d => fmt.t(d.failedAt) }, { title: 'Replays', num: true, cell: d => fmt.n(d.replayCount) },
        { title: 'Actions', cell: d => letterActions(d, null) }],
      letters.deadLetters, 'No dead letters.'));
  },

  async sagas(params) {
    const filters = ['type', 'status', 'stuck'].filter(k => params.get(k)).map(k => `${k}=${encodeURIComponent(params.get(k))}`);
    const list = await api(`/api/sagas?pageSize=50${filters.map(f => '&' + f).join('')}`);
    const type = h('select', { id: 'saga-type', name: 'type' }, ['', 'UserOnboarding', 'Order'].map(v =>
      h('option', { value: v, selected: params.get('type') === v }, v || 'any')));
    const state = h('select', { id: 'saga-status', name: 'status' }, ['', 'Started', 'Completed', 'Failed'].map(v =>
      h('option', { value: v, selected: params.get('status') === v }, v || 'any')));
    const stuck = h('input', { id: 'saga-stuck', type: 'checkbox', checked: params.get('stuck') === 'true' });
    show(h('h1', {}, 'Sagas'),
      h('form', { class: 'row', onsubmit: e => {
        e.preventDefault();
        const q = new URLSearchParams();
        if (type.value) q.set('type', type.value);
        if (state.value) q.set('status', state.value);
        if (stuck.checked) q.set('stuck', 'true');
        location.hash = `#/sagas?${q}`;
      } }, h('label', { for: 'saga-type' }, 'Type', type), h('label', { for: 'saga-status' }, 'Status', state),
      h('label', { for: 'saga-stuck' }, 'Stuck only', stuck), h('button', { type: 'submit' }, 'Filter')),
      table([{ title: 'Id', cell: s => h('a', { href: `#/saga?id=${s.id}` }, s.id) }, { title: 'Type', cell: s => s.type },
        { title: 'Status', cell: s => status(s.status) }, { title: 'Started', cell: s => fmt.t(s.startedAt) },
        { title: 'Error', cell: s => s.error }], list.sagas, 'No saga matches.'),
      h('p', { class: 'muted' }, `${fmt.n(list.total)} in all; the newest ${list.sagas.length} shown.`));
  },

  async bus() {
    return every(5000, async () => {
      const bus = await api('/api/admin/console/bus');
      const management = bus.source === 'management';
      const origin = {
        management: 'depths and rates from the broker\'s management API (every node\'s consumers)',
        amqp: 'depths as the broker reports them; events handled per second as this node counted them (1 min)',
        inbox: 'depths from Wolverine\'s inbox; events handled per second as this node counted them (1 min)'
      }[bus.source];
      show(h('h1', {}, 'Bus'),
        h('p', { class: 'muted' }, bus.transport === 'rabbitmq'
          ? `RabbitMQ: events leave through the topic exchange "${bus.exchange}"; ${origin}.`
          : `No broker configured: the consumers run on local durable queues; ${origin}.`),
        table([{ title: 'Queue', cell: q => q.name }, { title: 'Carries', cell: q => q.kind },
          { title: 'Handler', cell: q => q.handler }, { title: 'Binding keys or commands', cell: q => q.bindingKeys.join(', ') },
          { title: 'Waiting', num: true, cell: q => q.error ? h('span', { class: 'error' }, q.error) : fmt.n(q.depth) },
          { title: 'Consumers', num: true, cell: q => fmt.n(q.consumers) },
          management ? { title: 'In/s', num: true, cell: q => fmt.n(q.publishedPerSecond) } : null,
          { title: management ? 'Acked/s' : 'Handled/s', num: true, cell: q => fmt.n(q.handledPerSecond) }]
          .filter(Boolean), bus.queues),
        h('p', { class: 'muted' }, 'Refreshed every 5 s.'));
    });
  },

  async 'dead-letter'(params) {
    const d = await api(`/api/admin/dead-letters/${params.get('id')}`);
    const l = d.letter;
    show(h('h1', {}, 'Dead letter'),
      h('p', {}, h('a', { href: '#/dead-letters' }, 'All dead letters')),
      table([{ title: 'Field', cell: r => r[0] }, { title: 'Value', cell: r => r[1] }], [
        ['Id', l.id], ['Message type', l.messageType], ['Received at', l.receivedAt], ['Source', d.source],
        ['Sent', fmt.t(d.sentAt)], ['Failed', fmt.t(l.failedAt)], ['Failure group', l.failureGroup],
        ['Replays', fmt.n(l.replayCount)], ['Content type', d.contentType]]),
      h('h2', {}, 'Exception'), h('pre', { id: 'exception' }, `${l.exceptionType}: ${l.exceptionMessage}`),
      h('h2', {}, `Body (${fmt.n(d.bodyBytes)} bytes${d.bodyTruncated ? ', the start shown' : ''})`),
      h('pre', { id: 'body' }, pretty(d.body)),
      h('div', { class: 'row' }, letterActions(l, '#/dead-letters')));
  },

  async saga(params) {
    const id = params.get('id');
    const s = await api(`/api/sagas/${id}`);
    const reason = h('input', { id: 'reason', size: 40, required: true });
    show(h('h1', {}, `${s.type} saga `, status(s.status)),
      h('p', { class: 'muted' }, `${s.id}, started ${fmt.t(s.startedAt)}, version ${s.version}`),
      s.error ? h('p', { class: 'error' }, s.error) : null,
      h('h2', {}, 'Steps'),
      table([{ title: 'Step', cell: x => x.name }, { title: 'Status', cell: x => x.status },
        { title: 'Started', cell: x => fmt.t(x.startedAt) }, { title: 'Done', cell: x => fmt.t(x.doneAt ?? x.finishedAt) },
        { title: 'Error', cell: x => x.error }], s.steps),
      h('h2', {}, 'Pending timeouts'),
      table([{ title: 'Step', cell: t => t.step }, { title: 'Message', cell: t => t.messageType },
        { title: 'Due', cell: t => fmt.t(t.dueAt) },
        { title: 'Action', cell: t => actButton('Fire now', false, 'Fire this timeout now?',
          `${t.messageType ?? 'The timeout'} of step ${t.step} becomes due now.`,
          `/api/admin/sagas/${s.id}/timeouts/${t.id}/fire`) }],
      s.pendingTimeouts, 'No timeout is pending.'),
      s.status === 'Started' ? h('h2', {}, 'Force compensation') : null,
      s.status === 'Started' ? h('form', { class: 'row', onsubmit: e => {
        e.preventDefault();
        act('Force compensation?', `The saga fails with "${reason.value}"; its done steps are compensated.`,
          `/api/admin/sagas/${s.id}/compensate`, { reason: reason.value });
      } }, h('label', { for: 'reason' }, 'Reason', reason), h('button', { type: 'submit', class: 'danger' }, 'Force compensation')) : null,
      h('h2', {}, 'Timeline'),
      table([{ title: 'At', cell: x => fmt.t(x.at) }, { title: 'Message', cell: x => x.message }, { title: 'Note', cell: x => x.note }],
        s.timeline));
  }
};

function pretty(body) {
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body ?? ''; }
}

function tile(label, value, id) {
  return h('div', { class: 'tile', id: `tile-${id}` }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
}

function projectionTable(projections, actions) {
  return table([{ title: 'Name', cell: p => p.name }, { title: 'Kind', cell: p => `${p.kind}, ${p.lifecycle}` },
    { title: 'State', cell: p => [status(p.state), p.error ? h('div', { class: 'error' }, `${p.error.exceptionType}: ${p.error.message}`) : null] },
    { title: 'Position', num: true, cell: p => fmt.n(p.position) }, { title: 'Lag (events)', num: true, cell: p => fmt.n(p.lagEvents) },
    { title: 'Lag', num: true, cell: p => fmt.s(p.lagSeconds) }, { title: 'Node', cell: p => p.node ?? '–' },
    ...(actions ? [{ title: 'Action', cell: p => p.kind === 'projection' ? h('button', { type: 'button', onclick: () => rebuild(p.name) }, 'Rebuild') : null }] : [])],
  projections);
}

async function rebuild(name) {
  if (!await confirmAction(`Rebuild ${name}?`, `${name} is rebuilt from the events; readers see it grow back (an inline one is replaced stream by stream).`)) return;
  let run;
  try { run = await api(`/api/admin/projections/${encodeURIComponent(name)}/rebuild`, { method: 'POST' }); }
  catch (e) { return failed(e); }
  const box = document.getElementById('rebuild');
  const draw = r => box.replaceChildren(...present([h('h2', {}, `Rebuild of ${r.projection} `, status(r.state)),
    h('progress', { max: Math.max(1, r.total), value: r.done, 'aria-label': 'Rebuild progress' }),
    h('span', { class: 'muted', id: 'rebuild-progress' }, ` ${fmt.n(r.done)} of ${fmt.n(r.total)} ${r.unit}` +
      (r.perSecond ? `, ${fmt.n(Math.round(r.perSecond))}/s` : '') + (r.etaSeconds ? `, about ${fmt.s(r.etaSeconds)} left` : '')),
    r.error ? h('p', { class: 'error' }, r.error) : null]));
  draw(run);
  every(500, async () => {
    run = await api(`/api/admin/projections/${encodeURIComponent(name)}/rebuilds/${run.id}`);
    draw(run);
    if (run.state !== 'running') stopRefresh();
  });
}

async function act(title, preview, path, body, method = 'POST', then = null) {
  if (!await confirmAction(title, preview)) return;
  try {
    const result = await api(path, { method, body });
    if (then && location.hash !== then) {
      history.replaceState(null, '', then);
    }
    await route();
    page.prepend(h('p', { class: 'notice', role: 'status', id: 'action-result' },
      `${title.replace(/\?$/, '')}: done${result?.affected !== undefined ? ` (${result.affected} affected)` : ''}.`));
  } catch (e) { failed(e); }
}

// a button that previews its action in the confirmation dialog, then calls the admin API (act's arguments)
const actButton = (label, danger, ...action) =>
  h('button', { type: 'button', class: danger ? 'danger' : null, onclick: () => act(...action) }, label);

const letterActions = (l, then) => [
  actButton('Replay', false, 'Replay this message?', `${l.messageType} (${l.id}) goes back to its queue.`,
    '/api/admin/dead-letters/replay', { ids: [l.id] }, 'POST', then), ' ',
  actButton('Discard', true, 'Discard this message?', `${l.messageType} (${l.id}) is deleted for good.`,
    '/api/admin/dead-letters/discard', { ids: [l.id] }, 'POST', then)];

async function showStream(id, version) {
  const stream = await api(`/api/admin/console/streams/${id}?limit=1000`);
  const at = Number(version ?? stream.version);
  let state = null;
  try { state = await api(`/api/admin/console/streams/${id}/state?version=${at}`); }
  catch (e) { if (e.status !== 400) throw e; }
  add(h('h2', {}, `${stream.aggregateType ?? 'Stream'} ${id}, version ${stream.version}`),
    table([{ title: 'Version', num: true, cell: e => h('a', { href: `#/streams?q=${id}&version=${e.version}` }, e.version) },
      { title: 'Type', cell: e => e.eventType }, { title: 'Schema', num: true, cell: e => e.schemaVersion ?? '–' },
      { title: 'At', cell: e => fmt.t(e.timestamp) }, { title: 'Correlation', cell: e => e.correlationId ?? '–' },
      { title: 'Causation', cell: e => e.causationId ?? '–' }], stream.events),
    h('h2', {}, `State at version ${at}`),
    state ? h('pre', { id: 'state' }, JSON.stringify(state.state, null, 2))
      : h('p', { class: 'muted' }, 'This kind of stream has no state to show.'));
}

async function showFeed(from) {
  const feed = await api(`/api/events?fromPosition=${from}&batchSize=50`);
  add(h('h2', {}, 'All events'),
    table([{ title: 'Position', num: true, cell: e => fmt.n(e.sequence) },
      { title: 'Type', cell: e => e.eventType }, { title: 'Stream', cell: e => h('a', { href: `#/streams?q=${e.streamId}` }, e.streamId) },
      { title: 'At', cell: e => fmt.t(e.timestamp) }], feed.events, 'No events.'),
    feed.events.length ? h('p', {}, h('a', { href: `#/streams?from=${feed.nextPosition}` }, 'Next page')) : null);
}

async function route() {
  const answer = new URLSearchParams(location.search);
  if (answer.has('code') || answer.has('error')) {
    try { await finishAuthority(answer); } catch (e) { return signIn(e.message); }
  }
  const hash = location.hash.slice(1);
  const token = new URLSearchParams(hash.startsWith('token=') ? hash : '').get('token');
  if (token) {
    sessionStorage.setItem(tokenKey, token);
    history.replaceState(null, '', `${location.pathname}#/overview`);
  }
  if (!sessionStorage.getItem(tokenKey)) return signIn();
  document.getElementById('sign-out').hidden = false;
  const [name, query] = (location.hash.slice(2) || 'overview').split('?');
  const render = pages[name] || pages.overview;
  for (const a of document.querySelectorAll('header nav a')) {
    const section = { saga: 'sagas', 'dead-letter': 'dead-letters' }[name] ?? name;
    if (a.getAttribute('href') === `#/${section}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  stopRefresh();
  generation++;
  show(h('p', { class: 'muted' }, 'Loading…'));
  try { await render(new URLSearchParams(query)); } catch (e) { failed(e); }
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(tokenKey);
  signIn('Signed out.');
});
window.addEventListener('hashchange', route);
route();
