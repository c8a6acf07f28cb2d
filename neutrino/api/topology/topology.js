// The topology page: who is looking, the polling loop, the drawing's frame (counts,
// errors, details panel, project filter). Reading is in api.js, drawing in draw.js.
import {ApiError, AUTH, currentIdentity, list, readAgents, readChanges, saveIdentity} from "./api.js";
import {cmp, drawTopology} from "./draw.js";

const POLL_MS = 2000;
const FULL_EVERY = 15;        // a full re-read every 15 polls (30 s) on top of changed_since
const OVERLAP_MS = 5000;      // changed_since reaches back before the last poll's server time
// Read with changed_since plus an id-only list (for deletions); floating IPs carry their
// port forwardings, and agents their liveness, which change without their own timestamp,
// so those two are re-read whole on every poll.
const INCREMENTAL = ["networks", "subnets", "ports", "routers"];
const WHOLE = ["floatingips"];

const state = {
  items: {networks: new Map(), subnets: new Map(), ports: new Map(), routers: new Map(),
          floatingips: new Map(), agents: new Map()},
  agentsAvailable: null,   // null: not asked yet; false: the endpoint is absent or refused
  cursor: null,
  polls: 0,
  dirty: true,
  loaded: false,
  expanded: new Set(),     // network ids whose device list is shown whole
  project: "",             // the project filter ("" = all)
  selected: null,          // [kind, id] shown in the details panel
  timer: null,
  generation: 0,           // bumped when the identity changes
};

function replaceAll(collection, items) {
  const map = state.items[collection];
  const fresh = new Map(items.map(i => [i.id, i]));
  if (map.size !== fresh.size || items.some(i => !same(map.get(i.id), i))) {
    state.items[collection] = fresh;
    state.dirty = true;
  }
}

function same(a, b) {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function applyChanges({collection, changed, alive}) {
  const map = state.items[collection];
  for (const item of changed) {
    if (alive.has(item.id) && !same(map.get(item.id), item)) {
      map.set(item.id, item);
      state.dirty = true;
    }
  }
  for (const id of [...map.keys()]) {
    if (!alive.has(id)) { map.delete(id); state.dirty = true; }
  }
}

function applyAgents(agents, full) {
  if (agents === null) {
    if (state.agentsAvailable === false && !full) return;
    if (state.agentsAvailable !== false || state.items.agents.size) state.dirty = true;
    state.agentsAvailable = false;
    state.items.agents = new Map();
    return;
  }
  if (!state.agentsAvailable) state.dirty = true;
  state.agentsAvailable = true;
  replaceAll("agents", agents);
}

async function poll() {
  if (document.hidden) {
    // A tab nobody looks at asks nothing; it polls again as soon as it is shown.
    state.timer = null;
    return;
  }
  const full = state.cursor === null || state.polls % FULL_EVERY === 0;
  state.polls += 1;
  const started = performance.now();
  const generation = state.generation;
  try {
    // Everything is read first and applied only if the identity is still the one it was
    // read with: a caller never sees what the previous identity could.
    const [lists, changes, agents] = await Promise.all([
      Promise.all((full ? [...INCREMENTAL, ...WHOLE] : WHOLE).map(c => list(c))),
      full ? [] : Promise.all(INCREMENTAL.map(c => readChanges(c, state.cursor, state.items[c]))),
      state.agentsAvailable === false && !full ? null : readAgents()]);
    if (generation !== state.generation) return;
    const names = full ? [...INCREMENTAL, ...WHOLE] : WHOLE;
    names.forEach((c, i) => replaceAll(c, lists[i][0]));
    changes.forEach(applyChanges);
    applyAgents(agents, full);
    const serverTime = Math.min(...lists.map(l => l[1]), ...changes.map(c => c.serverTime));
    state.cursor = new Date(serverTime - OVERLAP_MS).toISOString().replace(/\.\d+Z$/, "Z");
    showError(null);
    if (state.dirty || !state.loaded) render();
    state.loaded = true;
    setStatus(`updated ${new Date().toLocaleTimeString()} · read in ` +
              `${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    if (generation !== state.generation) return;
    state.cursor = null;  // after an error, start again from a full read
    showError(err);
  }
  state.timer = setTimeout(poll, POLL_MS);
}

function restart() {
  clearTimeout(state.timer);
  state.generation += 1;  // a poll still under way drops what it read
  for (const map of Object.values(state.items)) map.clear();
  state.cursor = null;
  state.polls = 0;
  state.loaded = false;
  state.dirty = true;
  state.agentsAvailable = null;
  poll();
}

function render() {
  const started = performance.now();
  state.dirty = false;
  updateProjects();
  const canvas = document.getElementById("canvas");
  const drawing = drawTopology(state.items, {project: state.project, expanded: state.expanded,
                                             agentsAvailable: state.agentsAvailable,
                                             width: canvas.clientWidth - 4});
  const scroll = [canvas.scrollLeft, canvas.scrollTop];
  canvas.replaceChildren(drawing.svg);
  [canvas.scrollLeft, canvas.scrollTop] = scroll;
  showDetails();
  const ms = Math.round(performance.now() - started);
  document.body.dataset.renderMs = ms;
  document.getElementById("counts").textContent =
    `${drawing.networks} networks · ${drawing.routers} routers · ${drawing.ports} ports · ` +
    `${drawing.floatingips} floating IPs · drawn in ${ms} ms`;
}

// ---- the page around the drawing --------------------------------------------------------
function updateProjects() {
  const select = document.getElementById("project");
  // The projects owning what the caller sees, but for networks shared with everyone or
  // external (every member sees those of the admin): so a member is offered no filter.
  const common = new Set([...state.items.networks.values()]
    .filter(n => n.shared || n["router:external"]).map(n => n.id));
  const projects = new Set();
  for (const map of Object.values(state.items)) {
    for (const item of map.values()) {
      if (item.project_id && !common.has(item.id) && !common.has(item.network_id)) {
        projects.add(item.project_id);
      }
    }
  }
  const values = [...projects].sort();
  const current = [...select.options].slice(1).map(o => o.value);
  if (JSON.stringify(values) !== JSON.stringify(current)) {
    select.replaceChildren(new Option("all projects", ""),
                           ...values.map(v => new Option(v, v, false, v === state.project)));
  }
  // A filter matters to whoever sees more than one project: in practice, admins.
  select.parentElement.hidden = values.length < 2 && !state.project;
}

function showDetails() {
  const panel = document.getElementById("details");
  const [kind, id] = state.selected || [];
  const collection = {network: "networks", port: "ports", router: "routers",
                      floatingip: "floatingips", agent: "agents"}[kind];
  const item = collection && state.items[collection].get(id);
  if (!item) { panel.hidden = true; return; }
  panel.hidden = false;
  const dl = document.createElement("dl");
  for (const [k, v] of Object.entries(item).sort(([a], [b]) => cmp(a, b))) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k;
    dd.textContent = typeof v === "string" ? v : JSON.stringify(v);
    dl.append(dt, dd);
  }
  const h = document.createElement("h2");
  h.textContent = `${kind} ${item.name || item.host || item.floating_ip_address || item.id}`;
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "close";
  close.addEventListener("click", () => { state.selected = null; showDetails(); });
  panel.replaceChildren(h, close, dl);
}

function setStatus(message) {
  document.getElementById("status").textContent = message;
}

function showError(err) {
  const box = document.getElementById("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  if (err instanceof ApiError) {
    box.textContent = `${err.status} ${err.statusText || ""}: ${err.message}`;
    box.dataset.status = err.status;
    if (err.status === 401 || err.status === 403) {
      // The API refused this identity: show nothing it did not grant.
      for (const map of Object.values(state.items)) map.clear();
      document.getElementById("canvas").replaceChildren();
      document.getElementById("counts").textContent = "";
    }
  } else {
    box.textContent = `Cannot reach the API: ${err.message}`;
    delete box.dataset.status;
  }
  setStatus("");
}

function setUpIdentityForm() {
  const form = document.getElementById("identity");
  const keystone = AUTH === "keystone";
  for (const node of form.querySelectorAll("[data-mode]")) {
    node.hidden = node.dataset.mode !== (keystone ? "keystone" : "noauth");
  }
  form.elements.token.value = currentIdentity().token;
  form.elements.project_id.value = currentIdentity().project;
  form.elements.roles.value = currentIdentity().roles;
  form.addEventListener("submit", event => {
    event.preventDefault();
    saveIdentity({token: form.elements.token.value.trim(),
                  project: form.elements.project_id.value.trim(),
                  roles: form.elements.roles.value.trim()});
    state.project = "";
    restart();
  });
  document.getElementById("whoami").textContent = keystone
    ? (currentIdentity().token ? "with the token given" : "no token yet")
    : (currentIdentity().project ? `as project ${currentIdentity().project}` : "as admin (noauth)");
}

function setUp() {
  setUpIdentityForm();
  document.getElementById("project").addEventListener("change", event => {
    state.project = event.target.value;
    render();
  });
  document.getElementById("canvas").addEventListener("click", event => {
    const toggle = event.target.closest(".toggle");
    if (toggle) {
      const id = toggle.dataset.network;
      if (state.expanded.has(id)) state.expanded.delete(id); else state.expanded.add(id);
      render();
      return;
    }
    const pick = event.target.closest(".pick");
    state.selected = pick ? [pick.dataset.kind, pick.dataset.id] : null;
    showDetails();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && state.timer === null) poll();
  });
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (state.loaded) render(); }, 200);
  });
  poll();
}

document.addEventListener("DOMContentLoaded", setUp);
