// Kashier Key Rotator console (docs/console.md). No framework, no build: DOM built with textContent only
// (never innerHTML with data), the token held in this module's memory for the tab's life, every call to
// this service's /api with it. Live progress comes from the API's event stream, read with fetch (an
// EventSource cannot send the token).

const TAKES_KEY = new Set(['ISSUE_NEW_KEY', 'CHANGE_SECRET_KEY']);
const OVER = new Set(['COMPLETED', 'FAILED', 'ROLLED_BACK', 'ABORTED']);

let token = null; // only here: never stored, never put in a URL
let me = null; // whoami: {subject, role, permissions, modes}
let leaving = null; // AbortController of the current view's streams and calls
let oidc = null; // the provider to sign in through, when the service names one (/console/config.json)

// ---------- small helpers ----------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const may = (permission) => me && me.permissions.includes(permission);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ago(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return duration(s) + ' ago';
}

function duration(s) {
  if (s === null || s === undefined) return '—';
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function badge(state) {
  return h('span', {class: 'badge s-' + String(state || 'none').toLowerCase()}, state || '—');
}

function say(text, kind) {
  const b = document.getElementById('banner');
  b.replaceChildren(text ? h('p', {class: kind || 'info'}, text) : '');
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) || 'HTTP ' + status);
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: Object.assign(
      {Authorization: 'Bearer ' + token, Accept: 'application/json'},
      body === undefined ? {} : {'Content-Type': 'application/json'}),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: leaving ? leaving.signal : undefined,
    cache: 'no-store',
    credentials: 'omit',
  });
  if (res.status === 401) {
    signOut('Your token was refused (expired or revoked). Sign in again.');
    throw new ApiError(401, null);
  }
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function problemText(e) {
  if (!(e instanceof ApiError) || !e.problem) return String(e.message || e);
  const p = e.problem;
  const fields = (p.errors || []).map((x) => `${x.field}: ${x.message}`).join('; ');
  return (p.title ? p.title + ': ' : '') + (fields || p.detail || '');
}

/** Reads a text/event-stream with the token; reconnects with Last-Event-ID until told to stop. */
async function stream(path, onEvent, stopWhen) {
  const signal = leaving.signal;
  let lastId = null;
  while (!signal.aborted) {
    try {
      const headers = {Authorization: 'Bearer ' + token, Accept: 'text/event-stream'};
      if (lastId) headers['Last-Event-ID'] = lastId;
      const res = await fetch(path, {headers, signal, cache: 'no-store', credentials: 'omit'});
      if (res.status === 401) return signOut('Your token was refused. Sign in again.');
      if (res.ok) {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n/g, '\n');
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let id = null, name = 'message';
            const data = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith(':')) continue;
              const i = line.indexOf(':');
              const field = i < 0 ? line : line.slice(0, i);
              const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
              if (field === 'id') id = v;
              else if (field === 'event') name = v;
              else if (field === 'data') data.push(v);
            }
            if (id) lastId = id;
            // An id without ".n" closes its record version: only then is the rotation's state current.
            if (data.length) onEvent(name, JSON.parse(data.join('\n')), !id || !/@\d+\.\d+$/.test(id));
          }
        }
        if (stopWhen && stopWhen()) return;
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    await sleep(1000);
  }
}

// ---------- sign in ----------

function signOut(why) {
  token = null;
  me = null;
  if (leaving) leaving.abort();
  leaving = new AbortController();
  document.getElementById('nav').replaceChildren();
  document.getElementById('who').replaceChildren();
  renderSignIn(why);
}

function renderSignIn(why) {
  const input = h('input', {
    id: 'token', type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false',
    autocapitalize: 'off', required: true, 'aria-describedby': 'token-help',
  });
  const error = h('p', {class: 'error', role: 'alert'});
  const form = h('form', {class: 'card narrow', onsubmit: async (ev) => {
    ev.preventDefault();
    token = input.value.trim();
    input.value = '';
    try {
      me = await fetch('/api/v1/whoami', {
        headers: {Authorization: 'Bearer ' + token}, cache: 'no-store', credentials: 'omit',
      }).then((r) => (r.ok ? r.json() : Promise.reject(r.status)));
      started();
    } catch (status) {
      token = null;
      error.textContent = status === 401 ? 'That token was not accepted.' : 'Could not sign in (' + status + ').';
      input.focus();
    }
  }},
  h('h1', {}, 'Sign in'),
  h('label', {for: 'token'}, 'API token or OIDC access token'),
  input,
  h('p', {id: 'token-help', class: 'help'},
    'Kept in this tab\'s memory only: closing or reloading the tab signs you out.'),
  error,
  h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  const main = document.getElementById('main');
  main.replaceChildren(why ? h('p', {class: 'warn', role: 'alert'}, why) : '', form,
    oidc ? h('div', {class: 'card narrow'}, h('p', {}, 'Or through your identity provider:'),
      h('button', {type: 'button', id: 'oidc', onclick: startOidc}, 'Sign in with ' + oidc.name)) : '');
  input.focus();
}

// Authorization code with PKCE, as a public client: the verifier waits in sessionStorage for the round trip
// only (it is no credential without the code), and is gone once the code is exchanged.

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function startOidc() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem('kkr.pkce', JSON.stringify({verifier, state, hash: location.hash}));
  const q = new URLSearchParams({
    response_type: 'code', client_id: oidc.clientId, redirect_uri: location.origin + '/console',
    scope: oidc.scope, state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(oidc.authorizationEndpoint + (oidc.authorizationEndpoint.includes('?') ? '&' : '?') + q);
}

async function finishOidc(params) {
  const saved = JSON.parse(sessionStorage.getItem('kkr.pkce') || 'null');
  sessionStorage.removeItem('kkr.pkce');
  history.replaceState(null, '', '/console' + ((saved && saved.hash) || ''));
  if (!oidc || !saved || params.get('state') !== saved.state || !params.get('code')) {
    return renderSignIn('Sign-in through ' + (oidc ? oidc.name : 'the provider') + ' did not complete' +
      (params.get('error') ? ' (' + params.get('error') + ')' : '') + '. Try again.');
  }
  try {
    const res = await fetch(oidc.tokenEndpoint, {
      method: 'POST', credentials: 'omit', cache: 'no-store',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: params.get('code'), redirect_uri: location.origin + '/console',
        client_id: oidc.clientId, code_verifier: saved.verifier,
      }),
    });
    if (!res.ok) throw new Error('the provider answered ' + res.status);
    token = (await res.json()).access_token;
    const who = await fetch('/api/v1/whoami', {
      headers: {Authorization: 'Bearer ' + token}, cache: 'no-store', credentials: 'omit',
    });
    if (!who.ok) throw new Error(who.status === 401 ? 'this service does not accept its token' : 'HTTP ' + who.status);
    me = await who.json();
    started();
  } catch (e) {
    token = null;
    renderSignIn('Sign-in through ' + oidc.name + ' failed: ' + e.message + '.');
  }
}

function started() {
  const links = [['#/keys', 'Keys'], ['#/rotations', 'Rotations'], ['#/schedule', 'Schedule']];
  if (may('audit:read')) links.push(['#/audit', 'Audit']);
  document.getElementById('nav').replaceChildren(
    ...links.map(([href, text]) => h('a', {href}, text)),
    h('button', {type: 'button', class: 'link', onclick: () => signOut('Signed out.')}, 'Sign out'));
  document.getElementById('who').replaceChildren(`${me.subject} · ${me.role}` +
    (me.modes.length < 2 ? ` (${me.modes.join(', ')} only)` : ''));
  if (!location.hash || location.hash === '#/') location.hash = '#/keys';
  else route();
}

// ---------- views ----------

async function route() {
  if (!token) return renderSignIn();
  if (leaving) leaving.abort();
  leaving = new AbortController();
  say('');
  const main = document.getElementById('main');
  const [, view, id] = location.hash.split('/');
  for (const a of document.querySelectorAll('#nav a')) {
    a.toggleAttribute('aria-current', a.getAttribute('href') === '#/' + view);
  }
  try {
    if (view === 'keys' && id) await keyView(main, decodeURIComponent(id));
    else if (view === 'rotations' && id) await rotationView(main, decodeURIComponent(id));
    else if (view === 'rotations') await rotationsView(main);
    else if (view === 'schedule') await scheduleView(main);
    else if (view === 'audit') await auditView(main);
    else await keysView(main);
  } catch (e) {
    if (e.name === 'AbortError' || (e instanceof ApiError && e.status === 401)) return;
    main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', {class: 'error', role: 'alert'}, problemText(e)));
  }
  const title = main.querySelector('h1');
  if (title) {
    title.setAttribute('tabindex', '-1');
    title.focus();
    document.title = title.textContent + ' · Kashier Key Rotator';
  }
}

async function keysView(main) {
  const [keys, recent] = await Promise.all([
    api('GET', '/api/v1/keys'),
    may('rotations:read') ? api('GET', '/api/v1/rotations?limit=200') : Promise.resolve([]),
  ]);
  const lastOf = {};
  for (const r of recent) if (!lastOf[r.keyId]) lastOf[r.keyId] = r;
  const rows = keys.map((k) => {
    const last = lastOf[k.id];
    return h('tr', {},
      h('th', {scope: 'row'}, h('a', {href: '#/keys/' + encodeURIComponent(k.id)}, k.id)),
      h('td', {}, h('span', {class: 'mode m-' + k.mode}, k.mode)),
      h('td', {}, k.kind),
      h('td', {class: 'mono'}, k.fingerprint || '—'),
      h('td', {}, duration(k.ageSeconds)),
      h('td', {}, k.nextRotationAt ? when(k.nextRotationAt) : 'not scheduled'),
      h('td', {}, last ? h('a', {href: '#/rotations/' + last.id}, badge(last.state)) : '—'),
      h('td', {}, k.rotationInProgress && last && !OVER.has(last.state)
        ? h('a', {href: '#/rotations/' + last.id}, 'running') : k.rotationInProgress ? 'running' : 'no'));
  });
  main.replaceChildren(
    h('h1', {}, 'Keys'),
    h('div', {class: 'scroll'}, h('table', {},
      h('caption', {}, `${keys.length} keys; fingerprints only, never values`),
      h('thead', {}, h('tr', {}, ...['Key', 'Mode', 'Kind', 'Fingerprint', 'Age', 'Next rotation',
        'Last outcome', 'Rotation running'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows))));
}

async function keyView(main, id) {
  const [key, rotations] = await Promise.all([
    api('GET', '/api/v1/keys/' + encodeURIComponent(id)),
    api('GET', '/api/v1/rotations?limit=10&keyId=' + encodeURIComponent(id)),
  ]);
  const facts = h('dl', {class: 'facts'},
    ...[['Merchant', key.mid], ['Mode', key.mode], ['Kind', key.kind], ['Strategy', key.strategy],
      ['Fingerprint', key.fingerprint], ['Vault', key.vaultPath + ' (version ' + key.version + ')'],
      ['Last rotated', when(key.lastRotatedAt) + ' (' + ago(key.lastRotatedAt) + ')'],
      ['Next rotation', key.nextRotationAt ? when(key.nextRotationAt) : 'not scheduled']]
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v || '—')]));
  main.replaceChildren(
    h('h1', {}, key.id),
    facts,
    may('rotations:create') ? rotateForm(key) : '',
    may('rotations:emergency') ? emergencyForm(key) : '',
    h('h2', {}, 'Recent rotations'),
    rotationTable(rotations));
}

function rotationTable(rotations) {
  if (!rotations.length) return h('p', {}, 'None yet.');
  return h('div', {class: 'scroll'}, h('table', {},
    h('thead', {}, h('tr', {}, ...['Rotation', 'Key', 'State', 'Trigger', 'By', 'Started'].map((t) =>
      h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rotations.map((r) => h('tr', {},
      h('th', {scope: 'row'}, h('a', {href: '#/rotations/' + r.id}, r.id)),
      h('td', {}, r.keyId), h('td', {}, badge(r.state)),
      h('td', {}, r.emergency ? 'emergency ' + r.order : r.trigger),
      h('td', {}, r.requestedBy), h('td', {}, when(r.createdAt)))))));
}

function reasonField(id, label) {
  return [h('label', {for: id}, label),
    h('input', {id, type: 'text', maxlength: 500, required: true, autocomplete: 'off'})];
}

function rotateForm(key) {
  const out = h('div', {class: 'plan', 'aria-live': 'polite'});
  const form = h('form', {class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    const reason = form.querySelector('#reason').value;
    const now = ev.submitter && ev.submitter.value === 'now';
    try {
      if (!now) {
        const plan = await api('POST', `/api/v1/keys/${encodeURIComponent(key.id)}/rotations`, {reason, dryRun: true});
        out.replaceChildren(planView(plan), h('button', {type: 'submit', value: 'now', class: 'primary'}, 'Rotate now'));
        out.querySelector('button').focus();
        return;
      }
      const r = await api('POST', `/api/v1/keys/${encodeURIComponent(key.id)}/rotations`, {reason});
      location.hash = '#/rotations/' + r.id;
    } catch (e) {
      out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
    }
  }},
  h('h2', {}, 'Rotate'),
  ...reasonField('reason', 'Reason (shown to everyone who reads rotations; never a key)'),
  h('button', {type: 'submit', value: 'plan'}, 'Show the plan'),
  out);
  return form;
}

function planView(plan) {
  return h('div', {},
    h('p', {}, `${plan.dashboard === 'manual' ? 'A person at the Kashier dashboard does the dashboard steps. ' : ''}` +
      `${plan.allWavesAtOnce ? 'All waves at once.' : 'Soak ' + plan.soak + ' between waves.'}` +
      (plan.grace ? ' The old payment key stays valid for ' + plan.grace + ' after the rollout.' : '')),
    h('ol', {class: 'plan-steps'}, plan.steps.map((s) => h('li', {}, s))),
    h('ul', {}, plan.waves.map((w) => h('li', {},
      `Wave ${w.index}: ` + w.dependents.map((d) => d.id + ' (' + d.type + ')').join(', ')))));
}

function emergencyForm(key) {
  const confirmInput = h('input', {id: 'confirm-id', type: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'confirm-help'});
  const go = h('button', {type: 'submit', class: 'danger', disabled: true}, 'Rotate now, in an emergency');
  confirmInput.addEventListener('input', () => { go.disabled = confirmInput.value !== key.id; });
  const out = h('div', {'aria-live': 'polite'});
  const order = (value, title, text, checked) => h('label', {class: 'choice'},
    h('input', {type: 'radio', name: 'order', value, checked}),
    h('span', {}, h('strong', {}, title), ' ', text));
  const form = h('form', {class: 'card danger-zone', onsubmit: async (ev) => {
    ev.preventDefault();
    if (confirmInput.value !== key.id) return;
    try {
      const r = await api('POST', `/api/v1/keys/${encodeURIComponent(key.id)}/rotations`, {
        reason: form.querySelector('#ereason').value, emergency: true,
        order: form.querySelector('input[name=order]:checked').value,
      });
      location.hash = '#/rotations/' + r.id;
    } catch (e) {
      out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
    }
  }},
  h('h2', {}, 'Emergency rotation'),
  h('p', {}, 'For a leaked key: every wave at once, no soak, no grace for the old key.'),
  h('fieldset', {}, h('legend', {}, 'Order'),
    order('push-first', 'Push first.', 'The new key goes to every dependent, then the old key is expired. ' +
      'No dependent is left on a dead key; the leaked key works until the rollout ends.', true),
    order('revoke-first', 'Revoke first.', 'The old key is expired as soon as a verified new one exists, ' +
      'before any dependent has it: payments fail until each dependent gets the new key. For a key being abused.',
    false)),
  ...reasonField('ereason', 'Reason (an incident id)'),
  h('label', {for: 'confirm-id'}, 'Type the key id to confirm'),
  confirmInput,
  h('p', {id: 'confirm-help', class: 'help'}, 'Type ', h('code', {}, key.id), ' exactly.'),
  go, out);
  return form;
}

async function rotationsView(main) {
  const list = await api('GET', '/api/v1/rotations?limit=50');
  const holder = h('div', {}, rotationTable(list));
  main.replaceChildren(h('h1', {}, 'Rotations'), h('p', {class: 'help'}, 'Updates live.'), holder);
  const byId = new Map(list.map((r) => [r.id, r]));
  let pending = null;
  stream('/api/v1/events', (name, data) => {
    const id = name === 'rotation' ? data.id : data.rotationId;
    if (name === 'rotation') byId.set(id, data);
    else if (name === 'state' && byId.has(id)) Object.assign(byId.get(id), {state: data.state});
    else return;
    clearTimeout(pending);
    pending = setTimeout(() => holder.replaceChildren(rotationTable(
      [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, 50))), 200);
  });
}

// ---------- one rotation, live ----------

async function rotationView(main, id) {
  let r = await api('GET', '/api/v1/rotations/' + encodeURIComponent(id));
  const head = h('div', {});
  const person = h('section', {'aria-live': 'polite'});
  const steps = h('section', {}, h('h2', {}, 'Steps'));
  const waves = h('section', {}, h('h2', {}, 'Waves'));
  const actions = h('section', {});
  const live = h('p', {class: 'help', id: 'live'}, 'Live.');
  main.replaceChildren(h('h1', {}, 'Rotation ' + id), head, live, person, steps, waves, actions);
  let personKey = null;
  const draw = () => {
    head.replaceChildren(h('dl', {class: 'facts'},
      ...[['Key', h('a', {href: '#/keys/' + r.keyId}, r.keyId)], ['State', badge(r.state)],
        ['Trigger', r.emergency ? `emergency (${r.order})` : r.trigger], ['Requested by', r.requestedBy],
        ['Reason', r.reason], ['Fingerprint', (r.oldFingerprint || '—') + ' → ' + (r.newFingerprint || '…')],
        ['Error', r.error]].filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
    steps.replaceChildren(h('h2', {}, 'Steps'), h('ol', {class: 'timeline'}, r.steps.map((s) =>
      h('li', {class: 'step st-' + s.state.toLowerCase()},
        h('div', {class: 'step-head'}, h('span', {class: 'step-name'}, s.name), badge(s.state),
          s.endedAt ? h('span', {class: 'help'}, when(s.endedAt)) : ''),
        s.detail && s.state !== 'RUNNING' ? h('p', {class: 'detail'}, s.detail) : '',
        s.detail && s.state === 'RUNNING' && r.state !== 'AWAITING_DASHBOARD' ? h('p', {class: 'detail'}, s.detail) : ''))));
    waves.replaceChildren(h('h2', {}, 'Waves'), ...r.waves.map(waveView));
    const running = r.steps.find((s) => s.state === 'RUNNING');
    const key = r.state + '|' + (running ? running.name + '|' + running.detail : '') + '|' + (r.blockedBy || []).join();
    if (key !== personKey) {
      personKey = key;
      person.replaceChildren(r.state === 'AWAITING_DASHBOARD' && running ? personPanel(r, running) : '');
    }
    actions.replaceChildren(!OVER.has(r.state) && may('rotations:abort') ? abortForm(r) : '');
    live.textContent = OVER.has(r.state) ? 'Ended ' + when(r.updatedAt) + '.' : 'Live.';
  };
  draw();
  if (OVER.has(r.state)) return;
  await stream('/api/v1/rotations/' + encodeURIComponent(id) + '/events', (name, data, whole) => {
    if (name === 'rotation') r = data;
    else if (name === 'state') Object.assign(r, data);
    else if (name === 'step') {
      const i = r.steps.findIndex((s) => s.name === data.step.name);
      if (i >= 0) r.steps[i] = data.step; else r.steps.push(data.step);
    } else if (name === 'wave') {
      const w = r.waves.find((x) => x.index === data.index);
      if (w) Object.assign(w, {state: data.state, startedAt: data.startedAt, endedAt: data.endedAt});
    } else if (name === 'dependent') {
      const w = r.waves.find((x) => x.index === data.wave);
      const i = w ? w.dependents.findIndex((d) => d.id === data.dependent.id) : -1;
      if (i >= 0) w.dependents[i] = data.dependent;
    }
    if (whole) draw();
  }, () => OVER.has(r.state));
}

function waveView(w) {
  const total = w.dependents.length;
  const confirmed = w.dependents.filter((d) => d.state === 'CONFIRMED').length;
  const failed = w.dependents.filter((d) => d.state === 'FAILED' || d.state === 'ROLLBACK_FAILED').length;
  return h('div', {class: 'wave', 'data-wave': w.index},
    h('div', {class: 'wave-head'}, h('strong', {}, 'Wave ' + w.index), badge(w.state),
      h('span', {}, `${confirmed} of ${total} confirmed` + (failed ? `, ${failed} failed` : ''))),
    h('progress', {max: total || 1, value: confirmed, 'aria-label': `wave ${w.index}: ${confirmed} of ${total} confirmed`}),
    h('div', {class: 'scroll'}, h('table', {class: 'deps'},
      h('thead', {}, h('tr', {}, ...['Dependent', 'Type', 'State', 'Attempts', 'Breaker', 'Error'].map((t) =>
        h('th', {scope: 'col'}, t)))),
      h('tbody', {}, w.dependents.map((d) => h('tr', {},
        h('th', {scope: 'row'}, d.id), h('td', {}, d.type), h('td', {}, badge(d.state)),
        h('td', {}, d.attempts), h('td', {}, d.circuitBreaker || '—'), h('td', {}, d.error || '')))))));
}

function personPanel(r, step) {
  const out = h('div', {'aria-live': 'assertive'});
  const blocked = (r.blockedBy || []).length > 0;
  const takesKey = TAKES_KEY.has(step.name) && !blocked;
  const children = [h('h2', {}, 'Your turn at the Kashier dashboard'),
    h('p', {class: 'instructions'}, step.detail)];
  if (!may('rotations:confirm')) {
    children.push(h('p', {class: 'help'}, 'Someone with the operator or on-call role answers this step.'));
    return h('div', {class: 'card person'}, ...children);
  }
  if (takesKey) {
    const field = h('input', {
      id: 'new-key', type: 'password', name: 'new-key', autocomplete: 'off', spellcheck: 'false',
      autocapitalize: 'off', 'data-lpignore': 'true', 'data-1p-ignore': 'true', required: true,
    });
    children.push(h('form', {onsubmit: async (ev) => {
      ev.preventDefault();
      const newKey = field.value.trim();
      field.value = '';
      try {
        await api('POST', `/api/v1/rotations/${r.id}/confirm`, {newKey});
        out.replaceChildren(h('p', {class: 'ok'}, 'Sent. The rotation takes it from here.'));
      } catch (e) {
        out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
        field.focus();
      }
    }},
    h('label', {for: 'new-key'}, 'Paste the new key (it is never shown, kept or logged here)'),
    field, h('button', {type: 'submit', class: 'primary'}, 'Send the new key')));
  } else {
    children.push(h('button', {type: 'button', class: 'primary', onclick: async () => {
      try {
        await api('POST', `/api/v1/rotations/${r.id}/confirm`, {});
        out.replaceChildren(h('p', {class: 'ok'}, 'Answered. The rotation takes it from here.'));
      } catch (e) {
        out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
      }
    }}, blocked ? 'The dependents are fixed' : 'Done in the dashboard'));
  }
  children.push(out);
  return h('div', {class: 'card person'}, ...children);
}

function abortForm(r) {
  const out = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', `/api/v1/rotations/${r.id}/abort`, {reason: form.querySelector('#abort-reason').value});
      out.replaceChildren(h('p', {class: 'ok'}, 'Abort asked for: dependents get the old key back.'));
    } catch (e) {
      out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
    }
  }},
  h('h2', {}, 'Abort'),
  h('p', {}, 'Puts every dependent back on the old key and expires the new one, while the old key still works.'),
  ...reasonField('abort-reason', 'Reason'),
  h('button', {type: 'submit', class: 'danger'}, 'Abort this rotation'), out);
  return form;
}

// ---------- schedule, audit ----------

async function scheduleView(main) {
  const s = await api('GET', '/api/v1/schedule');
  const out = h('div', {'aria-live': 'polite'});
  const state = s.paused
    ? h('p', {class: 'warn'}, `Paused by ${s.by} until ${when(s.until)}: ${s.reason}`)
    : h('p', {}, 'Running' + (s.by ? ` (last change by ${s.by}: ${s.reason})` : '') + '.');
  const parts = [h('h1', {}, 'Schedule'), state,
    h('dl', {class: 'facts'},
      h('dt', {}, 'Overdue keys'), h('dd', {}, (s.overdueKeys || []).join(', ') || 'none'),
      h('dt', {}, 'Stopped keys'), h('dd', {}, Object.keys(s.stoppedKeys || {}).join(', ') || 'none'),
      h('dt', {}, 'Last tick on this replica'), h('dd', {}, when(s.lastTick)))];
  if (may('schedule:pause')) {
    const form = h('form', {class: 'card', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/api/v1/schedule/pause', {
          reason: form.querySelector('#pause-reason').value, for: form.querySelector('#pause-for').value,
        });
        route();
      } catch (e) {
        out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
      }
    }},
    h('h2', {}, s.paused ? 'Change the pause' : 'Pause scheduled rotations'),
    h('p', {}, 'On every replica; manual and emergency rotations still run. A pause always ends.'),
    ...reasonField('pause-reason', 'Reason'),
    h('label', {for: 'pause-for'}, 'For'),
    h('select', {id: 'pause-for'}, ['1h', '4h', '12h', '1d', '3d', '7d'].map((d) => h('option', {value: d}, d))),
    h('button', {type: 'submit'}, 'Pause'), out);
    parts.push(form);
    if (s.paused) {
      parts.push(h('button', {type: 'button', class: 'primary', onclick: async () => {
        try {
          await api('POST', '/api/v1/schedule/resume', {reason: 'resumed from the console'});
          route();
        } catch (e) {
          out.replaceChildren(h('p', {class: 'error', role: 'alert'}, problemText(e)));
        }
      }}, 'Resume now'));
    }
  }
  main.replaceChildren(...parts);
}

async function auditView(main) {
  const [events, chain] = await Promise.all([
    api('GET', '/api/v1/audit?limit=100'), api('GET', '/api/v1/audit/verify?since=last')]);
  main.replaceChildren(
    h('h1', {}, 'Audit trail'),
    chain.intact
      ? h('p', {class: 'ok'}, `The chain verifies: ${chain.eventsChecked} events checked.`)
      : h('p', {class: 'error', role: 'alert'}, `The chain is broken at event ${chain.brokenAt}: ${chain.problem}`),
    h('div', {class: 'scroll'}, h('table', {},
      h('thead', {}, h('tr', {}, ...['#', 'Time', 'Actor', 'Action', 'Key', 'Rotation', 'Outcome', 'Detail']
        .map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, events.map((e) => h('tr', {},
        h('td', {}, e.seq), h('td', {}, when(e.time)), h('td', {}, e.actor), h('td', {}, e.action),
        h('td', {}, e.keyId || ''), h('td', {}, e.rotationId ? h('a', {href: '#/rotations/' + e.rotationId}, e.rotationId) : ''),
        h('td', {}, badge(e.outcome)), h('td', {class: 'detail'}, e.detail || '')))))));
}

async function boot() {
  try {
    oidc = (await fetch('/console/config.json', {cache: 'no-store', credentials: 'omit'}).then((r) => r.json())).oidc;
  } catch (e) {
    oidc = null;
  }
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) return finishOidc(params);
  renderSignIn();
}

window.addEventListener('hashchange', route);
boot();
