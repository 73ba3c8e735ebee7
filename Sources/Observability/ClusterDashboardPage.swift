/// The cluster dashboard served at `/` by the configuration endpoint: one self-contained page that
/// reads `/cluster.json` every second and shows every node the endpoint knows on one page — its
/// state, items, memory against its limit, hit ratio, evictions, connections and requests per
/// second — with the cluster's totals, and charts of requests per second by node, the cluster's hit
/// ratio and the listed nodes and configuration version over time. Rows carry `data-node` and
/// cells classes so a test in a real browser can read what is shown
/// (Tests/clients/test_cluster_dashboard.py).
enum ClusterDashboardPage {
    static let html = #"""
\#(DashboardCommon.head(title: "swiftcached cluster"))
<style>
  td.state { font-weight: 600; }
  tr[data-state="up"] td.state { color: var(--hit); }
  tr[data-state="down"] td.state, tr[data-state="silent"] td.state { color: var(--evict); }
  tr[data-state="down"] td:not(:first-child):not(.state) { color: var(--muted); }
  tfoot td { font-weight: 600; border-bottom: none; }
  .figures { grid-template-columns: repeat(auto-fill, minmax(135px, 1fr)); }
  .figure.wide-figure { grid-column: span 2; }   /* "1.2 MB / 96.0 MB" on one line */
</style>
</head>
<body>
<header>
  <h1>swiftcached cluster</h1>
  <span>config version <b id="config-version">–</b></span>
  <span><b id="nodes-answering">–</b> of <b id="nodes-known">–</b> nodes answering</span>
  <span id="status">connecting…</span>
</header>
<main>
  <section class="card figures">
    <div class="figure"><small>nodes listed</small><b id="nodes-listed">–</b></div>
    <div class="figure"><small>hit ratio (since start)</small><b id="hit-ratio">–</b></div>
    <div class="figure"><small>requests / s</small><b id="ops">–</b></div>
    <div class="figure"><small>items</small><b id="curr-items">–</b></div>
    <div class="figure wide-figure"><small>memory used / limit</small><b id="memory">–</b></div>
    <div class="figure"><small>evictions (total)</small><b id="evictions">–</b></div>
    <div class="figure"><small>connections</small><b id="curr-connections">–</b></div>
  </section>
  <section class="card wide"><h2>Nodes</h2>
    <table><thead><tr><th>node</th><th>state</th><th>listed</th><th>items</th><th>memory used / limit</th><th>hit ratio</th>
      <th>evictions</th><th>connections</th><th>requests / s</th></tr></thead>
      <tbody id="node-rows"></tbody><tfoot id="total-rows"></tfoot></table>
    <div class="legend" id="unqueried"></div></section>
  <section class="card"><h2>Requests per second, by node</h2><canvas id="chart-ops"></canvas>
    <div class="legend" id="ops-legend"></div></section>
  <section class="card"><h2>Hit ratio, per second</h2><canvas id="chart-hits"></canvas>
    <div class="legend"><span><i style="background:var(--hit)"></i>get hits / gets, all nodes</span></div></section>
  <section class="card"><h2>Listed nodes</h2><canvas id="chart-nodes"></canvas>
    <div class="legend"><span><i style="background:var(--get)"></i>listed</span><span><i style="background:var(--hit)"></i>answering</span></div></section>
  <section class="card"><h2>Configuration version</h2><canvas id="chart-version"></canvas>
    <div class="legend"><span><i style="background:var(--del)"></i>version clients get</span></div></section>
</main>
<script>
"use strict";
\#(DashboardCommon.script)
const palette = ["#2f6fdf", "#e0822a", "#2a9d5b", "#8a5cd1", "#d2453b", "#1f8a9c", "#b08a1e", "#d14f9c"];
const history = [];             // one entry per gathering: {ops: {instance: rate}, ratio, listed, answering, version}
const previous = {};            // instance → {hits, gets} of the previous gathering shown
let lastCollected = null;
let samples = 0;

const stat = (node, name) => num(node.stats && node.stats[name]);

// A node's state as shown: its stats answer first, then what the probes say.
function stateOf(node) {
  if (node.answered) return "up";
  if (node.health === "down") return "down";
  return node.health === "up" ? "silent" : "probing";
}

// Hit and get counts since the previous gathering shown, summed over the nodes that answered both.
function hitsSince(report) {
  let hits = 0, gets = 0;
  for (const node of report.nodes) {
    if (!node.answered) { delete previous[node.instance]; continue; }
    const now = { hits: stat(node, "get_hits"), gets: stat(node, "get_hits") + stat(node, "get_misses") };
    const before = previous[node.instance];
    if (before && now.gets >= before.gets) { hits += now.hits - before.hits; gets += now.gets - before.gets; }
    previous[node.instance] = now;
  }
  return { hits, gets };
}

function nodeRow(node) {
  const tr = document.createElement("tr");
  tr.dataset.node = node.instance;
  tr.dataset.state = stateOf(node);
  const gets = stat(node, "get_hits") + stat(node, "get_misses");
  const figure = (text) => (node.answered ? text : "–");
  tr.append(cell(node.instance), cell(stateOf(node), "state"), cell(node.listed ? "yes" : "no", "listed"),
            cell(figure(fmt(stat(node, "curr_items"))), "items"),
            cell(figure(bytes(stat(node, "bytes")) + " / " + bytes(stat(node, "limit_maxbytes"))), "memory"),
            cell(figure(percent(stat(node, "get_hits"), gets)), "hit-ratio"), cell(figure(fmt(stat(node, "evictions"))), "evictions"),
            cell(figure(fmt(stat(node, "curr_connections"))), "connections"), cell(node.requests_per_second === null ? "–" : fmt(node.requests_per_second), "ops"));
  return tr;
}

function totalRow(t) {
  const tr = document.createElement("tr");
  tr.dataset.node = "total";
  tr.append(cell("cluster"), cell(t.nodes_answering + " up", "state"), cell(String(t.nodes_listed), "listed"),
            cell(fmt(t.curr_items), "items"), cell(bytes(t.bytes) + " / " + bytes(t.limit_maxbytes), "memory"),
            cell(percent(t.get_hits, t.get_hits + t.get_misses), "hit-ratio"), cell(fmt(t.evictions), "evictions"),
            cell(fmt(t.curr_connections), "connections"), cell(fmt(t.requests_per_second), "ops"));
  return tr;
}

function showFigures(report) {
  const t = report.totals;
  document.getElementById("config-version").textContent = String(num(report.endpoint.cluster_version));
  document.getElementById("nodes-answering").textContent = String(t.nodes_answering);
  document.getElementById("nodes-known").textContent = String(t.nodes_known);
  document.getElementById("nodes-listed").textContent = String(t.nodes_listed);
  const ratio = document.getElementById("hit-ratio");
  ratio.textContent = percent(t.get_hits, t.get_hits + t.get_misses);
  ratio.dataset.hits = t.get_hits; ratio.dataset.gets = t.get_hits + t.get_misses;
  document.getElementById("ops").textContent = fmt(t.requests_per_second);
  document.getElementById("curr-items").textContent = fmt(t.curr_items);
  document.getElementById("memory").textContent = bytes(t.bytes) + " / " + bytes(t.limit_maxbytes);
  document.getElementById("evictions").textContent = fmt(t.evictions);
  document.getElementById("curr-connections").textContent = fmt(t.curr_connections);
  document.getElementById("unqueried").textContent = report.unqueried ? report.unqueried + " more nodes not asked for stats" : "";
}

function drawCharts(report) {
  const instances = report.nodes.map((n) => n.instance);
  drawLines("chart-ops", instances.map((name, i) => ({ color: palette[i % palette.length], values: history.map((h) => h.ops[name] || 0) })));
  const legend = document.getElementById("ops-legend");
  legend.replaceChildren(...instances.map((name, i) => {
    const span = document.createElement("span"), swatch = document.createElement("i");
    swatch.style.background = palette[i % palette.length];
    span.append(swatch, name);
    return span;
  }));
  drawLines("chart-hits", [{ color: "--hit", values: history.map((h) => (h.ratio === null ? 0 : h.ratio)) }], 1);
  drawLines("chart-nodes", [{ color: "--get", values: history.map((h) => h.listed) }, { color: "--hit", values: history.map((h) => h.answering) }]);
  drawLines("chart-version", [{ color: "--del", values: history.map((h) => h.version) }]);
}

function show(report) {
  if (report.collected_at_ms === lastCollected) return;   // the endpoint served the same gathering again
  lastCollected = report.collected_at_ms;
  const since = hitsSince(report);
  const ops = {};
  for (const n of report.nodes) if (n.requests_per_second !== null) ops[n.instance] = n.requests_per_second;
  history.push({ ops, ratio: since.gets > 0 ? since.hits / since.gets : null, listed: report.totals.nodes_listed,
                 answering: report.totals.nodes_answering, version: num(report.endpoint.cluster_version) });
  if (history.length > keep) history.shift();
  document.getElementById("node-rows").replaceChildren(...report.nodes.map(nodeRow));
  document.getElementById("total-rows").replaceChildren(totalRow(report.totals));
  showFigures(report);
  drawCharts(report);
  samples++;
  document.body.dataset.samples = samples;
}

pollEverySecond("cluster.json", show);
</script>
</body>
</html>
"""#
}
