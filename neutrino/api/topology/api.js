// Reading the Networking API as the person looking: their identity, paged lists,
// changes since a time. Nothing here draws.

export const AUTH = document.documentElement.dataset.auth;  // "keystone" or "noauth", from the server
const API = new URL("v2.0/", new URL(".", location.href));
const STORE = "neutrino.topology.identity";

// ---- identity ---------------------------------------------------------------------------
function loadIdentity() {
  let stored = {};
  try { stored = JSON.parse(sessionStorage.getItem(STORE) || "{}"); } catch (e) { stored = {}; }
  // #token=... (Keystone) or #project=...&roles=... (noauth) set the identity, then leave
  // the address bar and the history so a token is not kept or shared with the link.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has("token") || fragment.has("project") || fragment.has("roles")) {
    stored = {token: fragment.get("token") || "", project: fragment.get("project") || "",
              roles: fragment.get("roles") || ""};
    sessionStorage.setItem(STORE, JSON.stringify(stored));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return {token: stored.token || "", project: stored.project || "", roles: stored.roles || ""};
}

let identity = loadIdentity();

export function saveIdentity(value) {
  identity = value;
  sessionStorage.setItem(STORE, JSON.stringify(value));
}

export function currentIdentity() { return identity; }

function headers() {
  const h = {"Accept": "application/json"};
  const id = identity;
  if (AUTH === "keystone") {
    if (id.token) h["X-Auth-Token"] = id.token;
  } else if (id.project) {
    // noauth: the caller states its project and roles; no headers at all is the admin.
    h["X-Project-Id"] = id.project;
    h["X-Roles"] = id.roles || "member,reader";
  }
  return h;
}

// ---- reading the API --------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, statusText, message) {
    super(message);
    this.status = status;
    this.statusText = statusText;
  }
}

async function errorOf(resp) {
  // NeutronError {type, message}; keystonemiddleware {error: {message}}; else the text.
  const text = await resp.text();
  let message = text;
  try {
    const body = JSON.parse(text);
    message = (body.NeutronError && body.NeutronError.message)
      || (body.error && body.error.message) || body.message || text;
  } catch (e) { /* not JSON: keep the text */ }
  return new ApiError(resp.status, resp.statusText, String(message).slice(0, 300));
}

// One list, all its pages; returns [items, server time of the first answer].
export async function list(collection, params) {
  let url = new URL(collection, API);
  for (const [k, v] of Object.entries(params || {})) {
    for (const one of [].concat(v)) url.searchParams.append(k, one);
  }
  const items = [];
  let serverTime = null;
  for (;;) {
    const resp = await fetch(url, {headers: headers(), cache: "no-store"});
    if (!resp.ok) throw await errorOf(resp);
    if (serverTime === null) {
      const date = Date.parse(resp.headers.get("Date") || "");
      serverTime = Number.isNaN(date) ? Date.now() : date;
    }
    const body = await resp.json();
    items.push(...(body[collection] || []));
    const next = (body[collection + "_links"] || []).find(l => l.rel === "next");
    if (!next) break;
    url = new URL(next.href, API);
  }
  return [items, serverTime];
}

// What changed in one collection since ``since``: the changed items, the ids that still
// exist (the others were deleted), and the server's time when it answered.
export async function readChanges(collection, since, known) {
  const [[changed, serverTime], [ids]] = await Promise.all([
    list(collection, {changed_since: since}), list(collection, {fields: "id"})]);
  const alive = new Set(ids.map(i => i.id));
  const seen = new Set(changed.map(i => i.id));
  // Created between the two reads, or older than the cursor but never seen: read them.
  const missing = [...alive].filter(id => !known.has(id) && !seen.has(id));
  if (missing.length) changed.push(...(await list(collection, {id: missing.slice(0, 100)}))[0]);
  return {collection, changed, alive, serverTime};
}

// The agents, or null when the server has no agents API or not for this caller.
export async function readAgents() {
  const resp = await fetch(new URL("agents", API), {headers: headers(), cache: "no-store"});
  if (resp.status === 401) throw await errorOf(resp);
  return resp.ok ? ((await resp.json()).agents || []) : null;
}
