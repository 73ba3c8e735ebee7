/// What both dashboards — a node's (`DashboardPage`) and the cluster's (`ClusterDashboardPage`) —
/// share, spliced into each page when it is built: the style sheet, and the script's number
/// formatting, table cells and line charts (canvases drawn by the page itself; nothing is fetched
/// from anywhere else).
enum DashboardCommon {
    /// The document's start up to the shared style sheet: the page adds its own styles, if any,
    /// and closes the head.
    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        \(style)
        """
    }

    static let style = #"""
<style>
  :root { --bg: #f7f7f5; --card: #fff; --ink: #1d2329; --muted: #66707a; --line: #e3e5e8;
          --get: #2f6fdf; --set: #e0822a; --del: #8a5cd1; --hit: #2a9d5b; --evict: #d2453b; --conn: #1f8a9c; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
  header { padding: 14px 22px; display: flex; gap: 18px; align-items: baseline; border-bottom: 1px solid var(--line); background: var(--card); }
  header h1 { font-size: 18px; margin: 0; }
  header span { color: var(--muted); }
  #status.down { color: var(--evict); font-weight: 600; }
  main { padding: 16px 22px; display: grid; gap: 14px; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card h2 { font-size: 13px; font-weight: 600; color: var(--muted); margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; }
  .figures { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
  .figure b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
  .figure small { color: var(--muted); }
  canvas { width: 100%; height: 150px; display: block; }
  .wide { grid-column: 1 / -1; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid var(--line); }
  th:first-child, td:first-child { text-align: left; }
  .legend { display: flex; gap: 12px; color: var(--muted); font-size: 12px; margin-top: 4px; }
  .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
</style>
"""#

    static let script = #"""
const keep = 120;               // seconds of history in each chart

const num = (v) => (typeof v === "number" ? v : Number(v) || 0);
const fmt = (v) => Math.round(v).toLocaleString("en-US");
function bytes(v) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i ? v.toFixed(1) : v) + " " + units[i];
}
function percent(hits, total) { return total > 0 ? (100 * hits / total).toFixed(1) + "%" : "–"; }
function cssColor(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || name; }

function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300, height = canvas.clientHeight || 150;
  canvas.width = width * ratio; canvas.height = height * ratio;
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = "11px system-ui, sans-serif";
  return { g, width, height };
}

// Lines over time; the y axis starts at 0 and ends at the largest value shown (or `top`).
function drawLines(id, series, top) {
  const canvas = document.getElementById(id);
  const { g, width, height } = prepare(canvas);
  const left = 46, bottom = 16, plotW = width - left - 6, plotH = height - bottom - 6;
  let max = top || 0;
  for (const s of series) for (const v of s.values) max = Math.max(max, v);
  if (max <= 0) max = 1;
  g.strokeStyle = cssColor("--line"); g.fillStyle = cssColor("--muted"); g.lineWidth = 1;
  for (let i = 0; i <= 2; i++) {
    const y = 6 + plotH - plotH * i / 2;
    g.beginPath(); g.moveTo(left, y); g.lineTo(left + plotW, y); g.stroke();
    const label = top === 1 ? (50 * i) + "%" : max < 10 ? (max * i / 2).toFixed(1) : fmt(max * i / 2);
    g.fillText(label, 2, y + 4);
  }
  g.fillText(keep + " s", left, height - 3);
  let points = 0;
  for (const s of series) {
    g.strokeStyle = cssColor(s.color); g.lineWidth = 1.8; g.beginPath();
    s.values.forEach((v, i) => {
      const x = left + plotW * (i + keep - s.values.length) / (keep - 1);
      const y = 6 + plotH - plotH * v / max;
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
      points++;
    });
    g.stroke();
  }
  canvas.dataset.points = points;
}

// Reads `path` (JSON) every second and hands it to `show`; the header's #status says whether it answers.
function pollEverySecond(path, show) {
  async function poll() {
    const status = document.getElementById("status");
    try {
      const response = await fetch(path, { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      show(await response.json());
      status.textContent = "live"; status.className = "";
    } catch (error) {
      status.textContent = "unreachable: " + error.message; status.className = "down";
    }
    setTimeout(poll, 1000);
  }
  poll();
}

function cell(text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
"""#
}
