// The flow builder with a large flow, in Chromium: imports a generated flow of N blocks (a
// chain of messages on a grid, 500 by default), opens /fluxos/{key} and reports how long until
// every block is on the page, then drags one block for two seconds while requestAnimationFrame
// records each frame's duration. Usage: node bench/flows/canvas.js http://127.0.0.1:3300 [500]
const path = require("node:path");
const { chromium } = require(path.join(__dirname, "..", "..", "end2end", "node_modules", "playwright-core"));

const base = process.argv[2] || "http://127.0.0.1:3300";
const count = Number(process.argv[3] || 500);
const key = `bench-${count}`;

function flow() {
  const nodes = [];
  const edges = [];
  const columns = 25;
  for (let i = 1; i <= count; i++) {
    nodes.push({
      id: `b${i}`,
      label: `Bloco ${i}`,
      position: { x: ((i - 1) % columns) * 340, y: Math.floor((i - 1) / columns) * 180 },
      type: "message",
      content: { type: "text", text: `Mensagem número ${i} do fluxo grande, com um texto de tamanho realista para o canvas.` },
    });
    if (i > 1) edges.push({ from: `b${i - 1}`, port: { kind: "next" }, to: `b${i}` });
  }
  nodes.push({ id: "fim", position: { x: 0, y: Math.ceil(count / columns) * 180 }, type: "end", message: "Fim" });
  edges.push({ from: `b${count}`, port: { kind: "next" }, to: "fim" });
  return { schema_version: 1, key, name: `Fluxo de ${count} blocos`, start: "b1", nodes, edges };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu-vsync", "--disable-frame-rate-limit"],
  });
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 }, locale: "pt-BR" });
  await page.goto(`${base}/entrar`);
  await page.waitForSelector("body[data-hydrated=true]");
  await page.getByLabel("E-mail").fill(process.env.BENCH_EMAIL || "demo@plataforma.com");
  await page.getByLabel("Senha").fill(process.env.BENCH_PASSWORD || "demo123");
  await page.getByRole("button", { name: "Entrar" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/entrar"));
  const imported = await page.evaluate(async (json) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("omni_csrf="))?.split("=")[1] || "";
    const r = await fetch("/api/flows/import", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": csrf },
      body: new URLSearchParams({ json }).toString(),
    });
    return `${r.status} ${await r.text()}`;
  }, JSON.stringify(flow()));
  if (!imported.startsWith("200")) throw new Error(`import: ${imported}`);

  const opens = [];
  for (let run = 0; run < 3; run++) {
    const started = Date.now();
    await page.goto(`${base}/fluxos/${key}`);
    await page.waitForFunction((n) => document.querySelectorAll(".bloco[data-node-id]").length >= n, count + 1, { timeout: 60_000 });
    opens.push(Date.now() - started);
  }
  await page.getByRole("button", { name: "Ir ao início" }).click();
  const header = await page.locator("#bloco-b1 .bloco-cabecalho").boundingBox();
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__recording) requestAnimationFrame(tick);
    };
    window.__recording = true;
    requestAnimationFrame(tick);
  });
  await page.mouse.move(header.x + 40, header.y + 10);
  await page.mouse.down();
  const steps = 120;
  for (let i = 0; i < steps; i++) {
    await page.mouse.move(header.x + 40 + Math.sin(i / 10) * 200, header.y + 10 + i * 2);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    window.__recording = false;
    return window.__frames.slice(2);
  });
  const sorted = [...frames].sort((a, b) => a - b);
  console.log(JSON.stringify({
    blocks: count + 1,
    open_ms: opens,
    drag_frames: frames.length,
    frame_ms_median: Number(percentile(sorted, 50).toFixed(1)),
    frame_ms_p95: Number(percentile(sorted, 95).toFixed(1)),
    frame_ms_max: Number(sorted[sorted.length - 1].toFixed(1)),
    frames_over_33ms: frames.filter((f) => f > 33).length,
  }));
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
