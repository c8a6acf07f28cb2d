// Drawing the topology in SVG from the items the API returned: the layout (external
// networks on top, routers above the networks they join, devices on each network's
// wire, hosts below) and what each element shows on hover.

const COLLAPSE_OVER = 8;   // a network with more devices shows the first SHOWN and a "+N more"
const SHOWN = 6;
const SVGNS = "http://www.w3.org/2000/svg";
const COLW = 230, NETW = 210, HEADER_LINE = 14, DEVW = 188, PORT_LINE = 14;
const ROUTERW = 150, ROUTERH = 40, LANE = 64, EXTH = 24, CHIPW = 190, CHIPH = 18, HOSTW = 200;
const ROUTER_OWNERS = new Set(["network:router_interface", "network:router_interface_distributed",
                               "network:ha_router_replicated_interface"]);

// ---- the model the drawing shows --------------------------------------------------------
function model(items, view) {
  const p = view.project;
  const mine = item => !p || item.project_id === p || item.tenant_id === p;
  const all = items;
  const ports = [...all.ports.values()].filter(mine);
  const routers = [...all.routers.values()].filter(mine).sort(byName);
  const portNets = new Set(ports.map(x => x.network_id));
  const subnets = [...all.subnets.values()].filter(s => mine(s) || portNets.has(s.network_id));
  const gatewayNets = new Set(routers.map(r => (r.external_gateway_info || {}).network_id));
  const networks = [...all.networks.values()]
    .filter(n => mine(n) || portNets.has(n.id) || gatewayNets.has(n.id)).sort(byName);
  const fips = [...all.floatingips.values()].filter(mine)
    .sort((a, b) => cmp(a.floating_ip_address, b.floating_ip_address));
  const subnetsOf = groupBy(subnets, s => s.network_id);
  const fipOfPort = new Map(fips.filter(f => f.port_id).map(f => [f.port_id, f]));
  const portsOf = groupBy(ports, x => x.network_id);
  const interfacesOf = groupBy(ports.filter(x => ROUTER_OWNERS.has(x.device_owner)),
                               x => x.device_id);
  return {networks, routers, subnetsOf, portsOf, interfacesOf, fipOfPort, fips,
          external: networks.filter(n => n["router:external"]),
          internal: networks.filter(n => !n["router:external"]),
          agents: [...all.agents.values()], ports, view, allNetworks: all.networks};
}

function byName(a, b) { return cmp(a.name || a.id, b.name || b.id); }
export function cmp(a, b) { return String(a).localeCompare(String(b), undefined, {numeric: true}); }
function groupBy(items, key) {
  const out = new Map();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, []);
    out.get(k).push(item);
  }
  return out;
}

function portState(port) {
  if (port["binding:vif_type"] === "binding_failed") return "binding_failed";
  return ["ACTIVE", "DOWN", "BUILD", "ERROR"].includes(port.status) ? port.status : "DOWN";
}

function resourceState(item) {
  return ["ACTIVE", "DOWN", "BUILD", "ERROR"].includes(item.status) ? item.status : "DOWN";
}

function deviceLabel(owner, deviceId, port) {
  const short = (deviceId || "").slice(0, 8);
  if (!deviceId) return "port " + (port.name || port.id.slice(0, 8));
  if ((owner || "").startsWith("compute:")) return "server " + short;
  if (owner === "network:dhcp") return "DHCP " + short;
  if (owner === "network:router_gateway") return "router gateway " + short;
  if (owner === "network:floatingip") return "floating IP " + short;
  return (owner || "device") + " " + short;
}

function fixedIps(port) {
  return (port.fixed_ips || []).map(f => f.ip_address).join(", ") || "no address";
}

// ---- drawing ----------------------------------------------------------------------------
function el(name, attrs, parent) {
  const node = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, value, cls, max) {
  const s = String(value);
  const node = el("text", {x, y, class: cls}, parent);
  node.textContent = max && s.length > max ? s.slice(0, max - 1) + "…" : s;
  return node;
}

function hover(node, kind, item, summary) {
  node.dataset.kind = kind;
  node.dataset.id = item.id;
  node.classList.add("pick");
  el("title", {}, node).textContent = summary;
}

// The whole drawing for ``items`` (collections by name, as Maps by id) as ``view`` asks:
// {project: "" or a project id, expanded: Set of network ids, agentsAvailable, width}.
// Returns the <svg> and what it shows, counted.
export function drawTopology(items, view) {
  const m = model(items, view);
  const width = Math.max(view.width, COLW + 20);
  const svg = el("svg", {xmlns: SVGNS, width, role: "img", "aria-label": "network topology"});
  const extColour = new Map(m.external.map((n, i) => [n.id, `ext${i % 4}`]));
  let y = 10;
  y = drawExternal(svg, m, width, y, extColour);
  y = drawInternal(svg, m, width, y, extColour);
  y = drawHosts(svg, m, width, y);
  if (!m.networks.length && !m.routers.length) {
    text(svg, 16, y + 20, "Nothing to show: this caller sees no networks or routers.", "empty");
    y += 40;
  }
  svg.setAttribute("height", y + 10);
  svg.setAttribute("viewBox", `0 0 ${width} ${y + 10}`);
  return {svg, networks: m.networks.length, routers: m.routers.length, ports: m.ports.length,
          floatingips: m.fips.length};
}

function drawExternal(svg, m, width, y, extColour) {
  for (const net of m.external) {
    const g = el("g", {class: `network external ${extColour.get(net.id)}`,
                       "data-name": net.name}, svg);
    const cidrs = (m.subnetsOf.get(net.id) || []).map(s => s.cidr).join(", ");
    hover(g, "network", net, `external network ${net.name}\n${cidrs}\nstatus ${net.status}`);
    el("rect", {x: 8, y, width: width - 16, height: EXTH, rx: 4, class: "bar"}, g);
    text(g, 16, y + 16, `${net.name || net.id} · external · ${cidrs || "no subnet"}`, "bar-label",
         Math.floor((width - 30) / 7));
    y += EXTH + 6;
    const chips = m.fips.filter(f => f.floating_network_id === net.id);
    const perRow = Math.max(1, Math.floor((width - 16) / (CHIPW + 6)));
    chips.forEach((fip, i) => {
      const cx = 8 + (i % perRow) * (CHIPW + 6), cy = y + Math.floor(i / perRow) * (CHIPH + 4);
      const c = el("g", {class: `fip ${fip.status === "ACTIVE" ? "ACTIVE" : "DOWN"}`}, svg);
      const forwards = fip.port_forwardings || [];
      const where = fip.fixed_ip_address ? `→ ${fip.fixed_ip_address}`
        : forwards.length ? `⇢ ${forwards.length} forwarding${forwards.length > 1 ? "s" : ""}`
          : "unassociated";
      const pf = forwards.map(f => `${f.protocol} ${f.external_port || f.external_port_range} → ` +
                                   `${f.internal_ip_address}:${f.internal_port || f.internal_port_range}`);
      hover(c, "floatingip", fip,
            [`floating IP ${fip.floating_ip_address} ${where}`, ...pf].join("\n"));
      el("rect", {x: cx, y: cy, width: CHIPW, height: CHIPH, rx: 9, class: "chip"}, c);
      text(c, cx + 8, cy + 13, `${fip.floating_ip_address} ${where}`, "chip-label", 28);
    });
    if (chips.length) y += Math.ceil(chips.length / perRow) * (CHIPH + 4) + 4;
    y += 6;
  }
  return y;
}

// Networks a router joins sit side by side: order by the first router that joins them.
function orderNetworks(m) {
  const placed = new Set(), order = [];
  for (const r of m.routers) {
    const nets = (m.interfacesOf.get(r.id) || []).map(p => p.network_id);
    for (const id of nets) {
      const net = m.allNetworks.get(id);
      if (net && !net["router:external"] && !placed.has(id) && m.internal.includes(net)) {
        placed.add(id);
        order.push(net);
      }
    }
  }
  return order.concat(m.internal.filter(n => !placed.has(n.id)));
}

function drawInternal(svg, m, width, y, extColour) {
  const nets = orderNetworks(m);
  const perBand = Math.max(1, Math.floor((width - 10) / COLW));
  const where = new Map(nets.map((n, i) => [n.id, {band: Math.floor(i / perBand),
                                                   x: 10 + (i % perBand) * COLW}]));
  const bands = Math.max(1, Math.ceil(nets.length / perBand));
  const routersOf = new Map();
  for (const r of m.routers) {
    const band = Math.min(...(m.interfacesOf.get(r.id) || [])
      .map(p => (where.get(p.network_id) || {band: Infinity}).band), Infinity);
    const b = band === Infinity ? 0 : band;
    if (!routersOf.has(b)) routersOf.set(b, []);
    routersOf.get(b).push(r);
  }
  for (let band = 0; band < bands; band++) {
    const routers = routersOf.get(band) || [];
    const slots = placeRouters(routers, m, where, band, width);
    const lanes = slots.length ? Math.max(...slots.map(s => s.lane)) + 1 : 0;
    const top = y + lanes * LANE + (lanes ? 16 : 0);
    let bottom = top;
    for (const net of nets.slice(band * perBand, (band + 1) * perBand)) {
      bottom = Math.max(bottom, drawNetwork(svg, m, net, where.get(net.id).x, top));
    }
    // Routers last, so their lines run over the columns' headers, not under them.
    for (const slot of slots) drawRouter(svg, m, slot, y + slot.lane * LANE, top, where, band, extColour);
    y = bottom + 24;
  }
  return y;
}

function placeRouters(routers, m, where, band, width) {
  const slots = routers.map(r => {
    const xs = (m.interfacesOf.get(r.id) || []).map(p => where.get(p.network_id))
      .filter(w => w && w.band === band).map(w => w.x + NETW / 2);
    const want = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length - ROUTERW / 2 : 10;
    return {router: r, want: Math.max(10, Math.min(want, width - ROUTERW - 10)), lane: 0, x: 0};
  }).sort((a, b) => a.want - b.want);
  // Left to right in lanes: a router that would overlap the last one of every lane so far
  // opens a new lane below.
  const ends = [];
  for (const slot of slots) {
    let lane = ends.findIndex(end => end <= slot.want);
    if (lane < 0 && ends.length < 4) { lane = ends.length; ends.push(-Infinity); }
    if (lane < 0) lane = ends.indexOf(Math.min(...ends));
    slot.lane = lane;
    slot.x = Math.min(Math.max(slot.want, ends[lane]), width - ROUTERW - 10);
    ends[lane] = slot.x + ROUTERW + 10;
  }
  return slots;
}

function drawRouter(svg, m, slot, y, netTop, where, band, extColour) {
  const r = slot.router, x = slot.x;
  const interfaces = m.interfacesOf.get(r.id) || [];
  const g = el("g", {class: `router ${resourceState(r)}`, "data-name": r.name}, svg);
  const gw = r.external_gateway_info;
  const gwIps = gw ? (gw.external_fixed_ips || []).map(f => f.ip_address).join(", ") : "";
  const gwNet = gw && m.allNetworks.get(gw.network_id);
  hover(g, "router", r, [`router ${r.name}  status ${r.status}`,
    gw ? `gateway ${gwNet ? gwNet.name : gw.network_id} ${gwIps}` : "no gateway",
    ...interfaces.map(p => `interface ${fixedIps(p)} on ${netName(m, p.network_id)}`)].join("\n"));
  for (const p of interfaces) {
    const w = where.get(p.network_id);
    if (!w || w.band !== band) continue;
    const nx = w.x + NETW / 2, rx = x + ROUTERW / 2, ry = y + ROUTERH;
    el("line", {x1: rx, y1: ry, x2: nx, y2: netTop, class: "link"}, g);
    // The interface's address on its line, near the network: two routers on one network
    // come from different sides, so their labels part.
    const label = text(g, rx + (nx - rx) * 0.72, ry + (netTop - ry) * 0.72, fixedIps(p),
                       "link-label", 20);
    label.setAttribute("text-anchor", "middle");
  }
  el("rect", {x, y, width: ROUTERW, height: ROUTERH, rx: 8, class: "box"}, g);
  text(g, x + 8, y + 15, "⬡ " + (r.name || r.id), "title", 20);
  if (gw) {
    const colour = extColour.get(gw.network_id) || "ext0";
    text(g, x + 8, y + 31, `⇡ ${gwNet ? gwNet.name : "gateway"} ${gwIps}`, `gw ${colour}`, 22);
    el("line", {x1: x + ROUTERW / 2, y1: y, x2: x + ROUTERW / 2, y2: y - 10,
                class: `gw-stub ${colour}`}, g);
  } else {
    text(g, x + 8, y + 31, `${interfaces.length} interface${interfaces.length === 1 ? "" : "s"}`,
         "sub");
  }
}

function netName(m, id) {
  const n = m.allNetworks.get(id);
  return n ? (n.name || n.id) : id;
}

function drawNetwork(svg, m, net, x, y) {
  const subnets = (m.subnetsOf.get(net.id) || []).slice().sort((a, b) => cmp(a.cidr, b.cidr));
  const ports = m.portsOf.get(net.id) || [];
  const devices = [...groupBy(ports.filter(p => !ROUTER_OWNERS.has(p.device_owner)),
                              p => p.device_id || "port:" + p.id).entries()]
    .map(([key, list]) => ({key, ports: list.sort((a, b) => cmp(fixedIps(a), fixedIps(b)))}))
    .sort((a, b) => cmp(deviceLabel(a.ports[0].device_owner, a.ports[0].device_id, a.ports[0]),
                        deviceLabel(b.ports[0].device_owner, b.ports[0].device_id, b.ports[0])));
  const g = el("g", {class: `network ${resourceState(net)}`, "data-name": net.name}, svg);
  const head = el("g", {class: "head"}, g);
  hover(head, "network", net, [`network ${net.name}  status ${net.status}`,
    ...subnets.map(s => `subnet ${s.name || s.id.slice(0, 8)} ${s.cidr}`),
    `${ports.length} ports`].join("\n"));
  const h = 22 + HEADER_LINE * (Math.max(subnets.length, 1) + 1);
  el("rect", {x, y, width: NETW, height: h, rx: 6, class: "box"}, head);
  text(head, x + 8, y + 16, net.name || net.id, "title", 24);
  subnets.forEach((s, i) => text(head, x + 8, y + 30 + i * HEADER_LINE, s.cidr, "cidr", 26));
  if (!subnets.length) text(head, x + 8, y + 30, "no subnet", "sub");
  text(head, x + 8, y + h - 8,
       `${ports.length} port${ports.length === 1 ? "" : "s"} · ${devices.length} device` +
       `${devices.length === 1 ? "" : "s"}`, "sub count");
  let cy = y + h + 10;
  const wireX = x + 10;
  const collapsed = devices.length > COLLAPSE_OVER && !m.view.expanded.has(net.id);
  const shown = collapsed ? devices.slice(0, SHOWN) : devices;
  const wire = el("line", {x1: wireX, y1: y + h, x2: wireX, y2: cy, class: "wire"}, g);
  for (const dev of shown) {
    const first = dev.ports[0];
    const dh = 18 + PORT_LINE * dev.ports.length;
    const d = el("g", {class: "device"}, g);
    const hosts = [...new Set(dev.ports.map(p => p["binding:host_id"]).filter(Boolean))];
    const label = deviceLabel(first.device_owner, first.device_id, first) +
      (hosts.length === 1 ? ` @${hosts[0]}` : "");
    el("line", {x1: wireX, y1: cy + 10, x2: wireX + 12, y2: cy + 10, class: "wire"}, d);
    el("rect", {x: wireX + 12, y: cy, width: DEVW, height: dh, rx: 4, class: "box"}, d);
    text(d, wireX + 18, cy + 13, label, "title device-title", 29);
    dev.ports.forEach((p, i) => {
      const st = portState(p);
      const row = el("g", {class: `port ${st}`}, d);
      const fip = m.fipOfPort.get(p.id);
      const host = p["binding:host_id"];
      hover(row, "port", p, [`port ${p.name || p.id}  ${st}`, `fixed IPs ${fixedIps(p)}`,
        `MAC ${p.mac_address}`, `host ${host || "(unbound)"}`,
        fip ? `floating IP ${fip.floating_ip_address}` : ""].filter(Boolean).join("\n"));
      const py = cy + 26 + i * PORT_LINE;
      el("circle", {cx: wireX + 22, cy: py - 4, r: 4, class: "dot"}, row);
      const more = (fip ? ` ⇄ ${fip.floating_ip_address}` : "") +
        (host && hosts.length > 1 ? ` @${host}` : "");
      text(row, wireX + 30, py, fixedIps(p) + more, "port-label", 27);
    });
    cy += dh + 6;
  }
  if (devices.length > COLLAPSE_OVER) {
    const hidden = devices.slice(SHOWN);
    const t = el("g", {class: "toggle", "data-network": net.id}, g);
    el("line", {x1: wireX, y1: cy + 9, x2: wireX + 12, y2: cy + 9, class: "wire"}, t);
    el("rect", {x: wireX + 12, y: cy, width: DEVW, height: 18, rx: 9, class: "box"}, t);
    text(t, wireX + 20, cy + 13, collapsed
      ? `+${hidden.length} more devices (${hidden.reduce((a, d) => a + d.ports.length, 0)} ports)`
      : "show fewer devices", "sub");
    cy += 24;
  }
  wire.setAttribute("y2", Math.max(cy - 14, y + h));
  return cy;
}

function drawHosts(svg, m, width, y) {
  if (!m.view.agentsAvailable) return y;
  const hosts = groupBy(m.agents, a => a.host);
  const bound = groupBy(m.ports.filter(p => p["binding:host_id"]), p => p["binding:host_id"]);
  for (const h of bound.keys()) if (!hosts.has(h)) hosts.set(h, []);
  if (!hosts.size) return y;
  text(svg, 10, y + 12, "Hosts", "section");
  y += 20;
  const perRow = Math.max(1, Math.floor((width - 10) / (HOSTW + 10)));
  const names = [...hosts.keys()].sort(cmp);
  let rowTop = y, rowH = 0;
  names.forEach((name, i) => {
    if (i && i % perRow === 0) { rowTop += rowH + 10; rowH = 0; }
    const x = 10 + (i % perRow) * (HOSTW + 10);
    const agents = hosts.get(name);
    const hh = 36 + PORT_LINE * Math.max(agents.length, 1);
    const g = el("g", {class: "host", "data-name": name}, svg);
    el("rect", {x, y: rowTop, width: HOSTW, height: hh, rx: 6, class: "box"}, g);
    text(g, x + 8, rowTop + 15, "▣ " + name, "title", 26);
    text(g, x + 8, rowTop + 29, `${(bound.get(name) || []).length} ports bound`, "sub");
    if (!agents.length) text(g, x + 8, rowTop + 43, "no agent reports", "sub");
    agents.forEach((a, j) => {
      const row = el("g", {class: `agent ${a.alive ? "alive" : "dead"}`}, g);
      hover(row, "agent", a, `${a.agent_type} on ${a.host}: ${a.alive ? "alive" : "dead"}`);
      const ay = rowTop + 43 + j * PORT_LINE;
      el("circle", {cx: x + 12, cy: ay - 4, r: 4, class: "dot"}, row);
      text(row, x + 20, ay, `${a.agent_type || a.binary} ${a.alive ? "alive" : "dead"}`,
           "port-label", 26);
    });
    rowH = Math.max(rowH, hh);
  });
  return rowTop + rowH + 16;
}
