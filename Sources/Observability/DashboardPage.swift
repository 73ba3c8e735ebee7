/// The live dashboard served at `/`: one self-contained page (no script, style or font from
/// anywhere else: the machines it runs on may have no internet) that reads `/stats.json` every
/// second and draws its own charts on canvases. Elements carry ids and `data-` attributes so a
/// test in a real browser can read what is shown (Tests/clients/test_dashboard_browser.py).
enum DashboardPage {
    static let html = #"""
\#(DashboardCommon.head(title: "swiftcached"))
</head>
<body>
<header>
  <h1>swiftcached</h1>
  <span id="version"></span>
  <span>policy <b id="policy">–</b></span>
  <span>uptime <b id="uptime">–</b></span>
  <span id="status">connecting…</span>
</header>
<main>
  <section class="card figures">
    <div class="figure"><small>hit ratio (since start)</small><b id="hit-ratio">–</b></div>
    <div class="figure"><small>hit ratio (last second)</small><b id="hit-ratio-now">–</b></div>
    <div class="figure"><small>requests / s</small><b id="ops">–</b></div>
    <div class="figure"><small>items</small><b id="curr-items">–</b></div>
    <div class="figure"><small>memory used / limit</small><b id="memory">–</b></div>
    <div class="figure"><small>evictions (total)</small><b id="evictions">–</b></div>
    <div class="figure"><small>reclaimed (total)</small><b id="reclaimed">–</b></div>
    <div class="figure"><small>connections</small><b id="curr-connections">–</b></div>
  </section>
  <section class="card"><h2>Requests per second</h2><canvas id="chart-ops"></canvas>
    <div class="legend"><span><i style="background:var(--get)"></i>get</span><span><i style="background:var(--set)"></i>set</span><span><i style="background:var(--del)"></i>delete</span></div></section>
  <section class="card"><h2>Hit ratio, per second</h2><canvas id="chart-hits"></canvas>
    <div class="legend"><span><i style="background:var(--hit)"></i>get hits / gets</span></div></section>
  <section class="card"><h2>Evictions and reclaims per second</h2><canvas id="chart-evictions"></canvas>
    <div class="legend"><span><i style="background:var(--evict)"></i>evicted</span><span><i style="background:var(--set)"></i>reclaimed</span></div></section>
  <section class="card"><h2>Connections</h2><canvas id="chart-conns"></canvas>
    <div class="legend"><span><i style="background:var(--conn)"></i>open</span></div></section>
  <section class="card"><h2>Items and bytes against the limit</h2><canvas id="chart-memory"></canvas>
    <div class="legend"><span><i style="background:var(--get)"></i>bytes / limit</span></div></section>
  <section class="card wide"><h2>Memory by slab class</h2><canvas id="chart-slabs"></canvas>
    <div class="legend"><span><i style="background:var(--get)"></i>used chunks</span><span><i style="background:#b9c9e8"></i>free chunks</span></div>
    <table><thead><tr><th>class</th><th>chunk size</th><th>pages</th><th>used chunks</th><th>free chunks</th><th>items</th><th>evicted</th><th>queues</th></tr></thead>
      <tbody id="slab-rows"></tbody></table></section>
  <section class="card"><h2>Workers</h2><table><thead><tr><th>worker</th><th>open</th><th>served</th></tr></thead><tbody id="worker-rows"></tbody></table></section>
</main>
<script>
"use strict";
\#(DashboardCommon.script)
const history = [];             // {t, get, set, del, hits, gets, evicted, reclaimed, conns, bytes, limit}
let previous = null;
let samples = 0;

// One bar per slab class: its pages' bytes, the used chunks' share filled.
function drawSlabs(slabs) {
  const canvas = document.getElementById("chart-slabs");
  const classes = Object.keys(slabs).filter((k) => /^\d+$/.test(k));
  canvas.style.height = Math.max(60, 22 * classes.length + 10) + "px";
  const { g, width } = prepare(canvas);
  let max = 1;
  for (const c of classes) max = Math.max(max, num(slabs[c].total_chunks) * num(slabs[c].chunk_size));
  classes.forEach((c, i) => {
    const s = slabs[c], size = num(s.chunk_size);
    const total = num(s.total_chunks) * size, used = num(s.used_chunks) * size;
    const x = 60, w = (width - x - 150) * total / max, y = 6 + 22 * i;
    g.fillStyle = "#b9c9e8"; g.fillRect(x, y, w, 14);
    g.fillStyle = cssColor("--get"); g.fillRect(x, y, total > 0 ? w * used / total : 0, 14);
    g.fillStyle = cssColor("--ink"); g.fillText("class " + c, 2, y + 11);
    g.fillText(bytes(used) + " / " + bytes(total), x + w + 6, y + 11);
  });
  canvas.dataset.bars = classes.length;
}


function showSlabs(stats) {
  const body = document.getElementById("slab-rows");
  body.replaceChildren();
  const queues = (stats.swiftcached && stats.swiftcached.queues) || {};
  for (const c of Object.keys(stats.slabs).filter((k) => /^\d+$/.test(k))) {
    const s = stats.slabs[c], items = stats.items[c] || {};
    const tr = document.createElement("tr");
    tr.dataset.class = c;
    const q = queues[c] ? Object.entries(queues[c]).map(([name, n]) => name + " " + n).join(", ") : "";
    tr.append(cell(c), cell(fmt(num(s.chunk_size)), "chunk-size"), cell(fmt(num(s.total_pages)), "pages"),
              cell(fmt(num(s.used_chunks)), "used-chunks"), cell(fmt(num(s.free_chunks)), "free-chunks"),
              cell(fmt(num(items.number)), "items"), cell(fmt(num(items.evicted)), "evicted"), cell(q, "queues"));
    body.append(tr);
  }
  drawSlabs(stats.slabs);
}

function showWorkers(stats) {
  const body = document.getElementById("worker-rows");
  body.replaceChildren();
  for (const w of (stats.swiftcached && stats.swiftcached.workers) || []) {
    const tr = document.createElement("tr");
    tr.dataset.worker = w.worker;
    tr.append(cell(String(w.worker)), cell(fmt(w.connections), "open"), cell(fmt(w.connections_total), "served"));
    body.append(tr);
  }
}

function show(stats) {
  const s = stats.general;
  const point = {
    t: num(s.uptime), get: num(s.cmd_get), set: num(s.cmd_set), del: num(s.delete_hits) + num(s.delete_misses),
    hits: num(s.get_hits), gets: num(s.get_hits) + num(s.get_misses), evicted: num(s.evictions),
    reclaimed: num(s.reclaimed), conns: num(s.curr_connections), bytes: num(s.bytes), limit: num(s.limit_maxbytes),
    at: performance.now(),
  };
  if (previous) {
    const dt = Math.max(0.001, (point.at - previous.at) / 1000);
    const rate = (k) => Math.max(0, point[k] - previous[k]) / dt;
    const gets = point.gets - previous.gets;
    history.push({ get: rate("get"), set: rate("set"), del: rate("del"), evicted: rate("evicted"), reclaimed: rate("reclaimed"),
                   ratio: gets > 0 ? (point.hits - previous.hits) / gets : null, conns: point.conns, memory: point.limit ? point.bytes / point.limit : 0 });
    if (history.length > keep) history.shift();
    const last = history[history.length - 1];
    document.getElementById("ops").textContent = fmt(last.get + last.set + last.del);
    document.getElementById("hit-ratio-now").textContent = last.ratio === null ? "–" : (100 * last.ratio).toFixed(1) + "%";
  }
  previous = point;
  document.getElementById("version").textContent = "memcached " + s.version + " protocol";
  document.getElementById("policy").textContent = (stats.swiftcached && stats.swiftcached.policy) || "";
  document.getElementById("uptime").textContent = fmt(point.t) + " s";
  const ratio = document.getElementById("hit-ratio");
  ratio.textContent = percent(point.hits, point.gets);
  ratio.dataset.hits = point.hits; ratio.dataset.gets = point.gets;
  document.getElementById("curr-items").textContent = fmt(num(s.curr_items));
  document.getElementById("curr-items").dataset.value = num(s.curr_items);
  document.getElementById("memory").textContent = bytes(point.bytes) + " / " + bytes(point.limit);
  document.getElementById("evictions").textContent = fmt(point.evicted);
  document.getElementById("reclaimed").textContent = fmt(point.reclaimed);
  document.getElementById("curr-connections").textContent = fmt(point.conns);
  drawLines("chart-ops", [{ color: "--get", values: history.map((h) => h.get) },
                          { color: "--set", values: history.map((h) => h.set) },
                          { color: "--del", values: history.map((h) => h.del) }]);
  drawLines("chart-hits", [{ color: "--hit", values: history.map((h) => (h.ratio === null ? 0 : h.ratio)) }], 1);
  drawLines("chart-evictions", [{ color: "--evict", values: history.map((h) => h.evicted) },
                                { color: "--set", values: history.map((h) => h.reclaimed) }]);
  drawLines("chart-conns", [{ color: "--conn", values: history.map((h) => h.conns) }]);
  drawLines("chart-memory", [{ color: "--get", values: history.map((h) => h.memory) }], 1);
  showSlabs(stats);
  showWorkers(stats);
  samples++;
  document.body.dataset.samples = samples;
}

pollEverySecond("stats.json", show);
</script>
</body>
</html>
"""#
}
