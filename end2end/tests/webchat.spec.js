const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { DEMO, shot, hydrated, login } = require("./helpers");

const HOST_PAGE = fs.readFileSync(path.join(__dirname, "..", "fixtures", "host-page.html"), "utf8");

/**
 * "Another website": a plain Node server on a free port of 127.0.0.1, so its origin differs from
 * the platform's. The channel is only known once created, so the page is filled in per request.
 */
async function startSite(platform) {
  const site = { channel: "" };
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || new URL(req.url, "http://site").pathname !== "/") {
      res.writeHead(404).end();
      return;
    }
    const html = HOST_PAGE.replaceAll("__PLATFORM__", platform).replaceAll("__CHANNEL__", site.channel);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  site.origin = `http://127.0.0.1:${server.address().port}`;
  site.close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return site;
}

/** Texts of elements that may be inputs, textareas or plain elements. */
function valuesOf(locator) {
  return locator.evaluateAll((els) =>
    els.map((el) =>
      (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : el.textContent).trim(),
    ),
  );
}

test("webchat embedded on another origin", async ({ page, request, baseURL }) => {
  const platform = new URL(baseURL).origin;
  const shop = await startSite(platform);
  const stranger = await startSite(platform);
  try {
    await login(page, DEMO.email, DEMO.password);
    await expect(page.getByRole("heading", { name: "Painel" })).toBeVisible();

    // A webchat channel that only the shop's origin may embed.
    await page.goto("/configuracoes/canais");
    await hydrated(page);
    const snippets = page.getByTestId("webchat-snippet");
    const earlierSnippets = await valuesOf(snippets); // demo data may hold webchat channels already
    await page.getByRole("button", { name: "Novo canal" }).click();
    await page.getByLabel("Tipo", { exact: true }).selectOption("Webchat");
    await page.getByLabel("Nome", { exact: true }).fill("Site da loja");
    await page.getByLabel("Título", { exact: true }).fill("Fale com a gente");
    await page.getByLabel("Mensagem de boas-vindas", { exact: true }).fill("Olá! Como podemos ajudar?");
    await page.getByLabel("Origens permitidas (uma por linha)", { exact: true }).fill(shop.origin);
    await page.getByRole("button", { name: "Salvar canal" }).click();

    let snippet;
    await expect
      .poll(async () => {
        snippet = (await valuesOf(snippets)).find((s) => !earlierSnippets.includes(s));
        return snippet !== undefined;
      })
      .toBe(true);
    expect(snippet).toContain(`${platform}/webchat.js`);
    await shot(page, "channels-01-webchat-saved");
    const channel = /data-channel="([0-9a-f-]{36})"/.exec(snippet)[1];
    shop.channel = channel;
    stranger.channel = channel;

    await page.goto("/configuracoes/tokens");
    await hydrated(page);
    await page.getByLabel("Nome do token").fill("e2e");
    await page.getByRole("button", { name: "Criar token" }).click();
    await expect(page.getByTestId("api-token-value")).toBeVisible();
    const [token] = await valuesOf(page.getByTestId("api-token-value"));
    const api = { headers: { Authorization: `Bearer ${token}` } };

    // A visitor on the shop's site writes; markup in the text must show as text.
    const visitor = await page.context().newPage();
    const pageErrors = [];
    visitor.on("pageerror", (err) => pageErrors.push(String(err)));
    await visitor.goto(shop.origin);
    await expect(visitor.locator("#omni-webchat")).toBeAttached();
    await visitor.getByRole("button", { name: "Abrir chat" }).click();
    const panel = visitor.getByTestId("panel");
    await expect(panel).toBeVisible();
    await expect(panel.getByRole("heading", { name: "Fale com a gente" })).toBeVisible();
    await expect(panel.getByText("Olá! Como podemos ajudar?")).toBeVisible();

    const question = "Meu pedido chegou? <b>oi</b>";
    await visitor.getByPlaceholder("Digite sua mensagem…").fill(question);
    await visitor.getByPlaceholder("Digite sua mensagem…").press("Enter");
    const sent = visitor.getByTestId("message").filter({ hasText: "<b>oi</b>" });
    await expect(sent).toHaveAttribute("data-direction", "inbound");
    await expect(sent).not.toHaveAttribute("data-status", /pending|failed/);
    await expect(visitor.getByTestId("messages").locator("b")).toHaveCount(0);

    // The agent side, through the public API: the conversation and the visitor's text are stored.
    let conversationId;
    await expect
      .poll(async () => {
        const res = await request.get("/api/v1/conversations", { ...api, params: { channel_id: channel } });
        if (!res.ok()) return `HTTP ${res.status()}`;
        const body = await res.json();
        conversationId = body.data.length === 1 ? body.data[0].id : undefined;
        return body.data.length;
      })
      .toBe(1);
    const history = await request.get(`/api/v1/conversations/${conversationId}/messages`, api);
    expect(history.status()).toBe(200);
    expect((await history.json()).data.map((m) => m.text)).toContain(question);

    const reply = await request.post(`/api/v1/conversations/${conversationId}/messages`, {
      ...api,
      data: { text: "Olá, aqui é a Juliana!" },
    });
    expect([201, 202]).toContain(reply.status());

    // The reply reaches the open widget live, without a reload.
    const answer = visitor.getByTestId("message").filter({ hasText: "Olá, aqui é a Juliana!" });
    await expect(answer).toHaveAttribute("data-direction", "outbound", { timeout: 10_000 });
    await shot(visitor, "webchat-01-conversation");

    // The conversation survives a reload (the panel reopens by itself within the tab).
    await visitor.reload();
    await expect(visitor.getByTestId("panel")).toBeVisible();
    await expect(visitor.getByTestId("message").filter({ hasText: "<b>oi</b>" })).toHaveAttribute(
      "data-direction",
      "inbound",
    );
    await expect(answer).toHaveAttribute("data-direction", "outbound");
    await expect(answer).toHaveCount(1);
    await expect(visitor.getByTestId("message").filter({ hasText: "<b>oi</b>" })).toHaveCount(1);
    await shot(visitor, "webchat-02-after-reload");
    expect(pageErrors).toEqual([]);

    // A site whose origin is not allowed gets no chat at all.
    const other = await page.context().newPage();
    const warnings = [];
    other.on("console", (msg) => {
      if (msg.type() === "warning") warnings.push(msg.text());
    });
    const refused = other.waitForResponse((res) => res.url().endsWith(`/webchat/v1/${channel}/config`));
    await other.goto(stranger.origin);
    expect((await refused).status()).toBe(403);
    await expect
      .poll(() => warnings.join("\n"))
      .toContain("Este site não está autorizado a usar este chat.");
    await expect(other.getByTestId("launcher")).toHaveCount(0);
    await expect(other.locator("#omni-webchat")).toHaveCount(0);
    await shot(other, "webchat-03-origin-refused");
  } finally {
    await shop.close();
    await stranger.close();
  }
});
