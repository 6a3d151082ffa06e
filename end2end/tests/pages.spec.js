// Every page of the sidebar, loaded directly (a fresh document, server-rendered then hydrated,
// not a client-side navigation), as each role: no console error, no uncaught exception, and
// the page's own heading on screen. The audit log's "Carregar mais" works after a direct load.
const { test, expect } = require("@playwright/test");
const { DEMO, createUser, hydrated, login, logout, shot } = require("./helpers");

// The supervisor is made here: the demo's (Carla) may have enrolled in 2FA in another test.
const ROLES = [
  { name: "administrador", email: DEMO.email },
  { name: "supervisora", email: null },
  { name: "atendente", email: "rafael.oliveira@plataforma.com" },
];

const SUPERVISOR_PASSWORD = "senha-da-sonia";

/** An administrator creates a supervisor of Atendimento Geral; answers the e-mail. */
async function newSupervisor(page) {
  const email = `supervisora.${Date.now()}@empresa.com.br`;
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/usuarios");
  await hydrated(page);
  await createUser(page, { name: "Sônia Supervisora", email, role: "supervisor", password: SUPERVISOR_PASSWORD });
  await logout(page);
  return email;
}

// Pages reached from the frame but not listed in the sidebar.
const EXTRA = {
  administrador: ["/perfil", "/configuracoes/canais", "/configuracoes/tokens", "/configuracoes/integracoes", "/configuracoes/campanhas", "/fluxos/principal", "/campanhas/nova"],
  supervisora: ["/perfil", "/fluxos/principal"],
  atendente: ["/perfil"],
};

function watchErrors(page) {
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => errors.push(`exceção: ${err.message}`));
  return errors;
}

for (const role of ROLES) {
  test(`cada página carregada diretamente hidrata sem erro (${role.name})`, async ({ page }) => {
    const email = role.email || (await newSupervisor(page));
    await login(page, email, role.email ? DEMO.password : SUPERVISOR_PASSWORD);
    await expect(page).not.toHaveURL(/\/entrar/);
    await hydrated(page);
    const sidebar = page.getByRole("navigation", { name: "Navegação principal" });
    const hrefs = await sidebar.locator("a[href^='/']").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(hrefs.length).toBeGreaterThan(1);
    const pages = [...new Set([...hrefs, ...EXTRA[role.name]])];
    for (const href of pages) {
      const errors = watchErrors(page);
      const response = await page.goto(href);
      expect(response.status(), href).toBe(200);
      await hydrated(page);
      await expect(page.locator("main h1").first(), href).toBeVisible();
      // Let effects and lazy modules settle, then nothing may have failed.
      await page.waitForLoadState("networkidle");
      expect(errors, `${href} como ${role.name}`).toEqual([]);
      page.removeAllListeners("console");
      page.removeAllListeners("pageerror");
      await shot(page, `pagina-${role.name}-${href.replace(/\//g, "_") || "_"}`);
    }
  });
}

test("a auditoria, aberta diretamente, carrega mais eventos", async ({ page }) => {
  // More than one page of events: sign-ins are audited.
  for (let i = 0; i < 51; i++) {
    const form = await page.request.get("/entrar");
    expect(form.ok()).toBe(true);
    const cookies = await page.context().cookies();
    const csrf = cookies.find((c) => c.name === "omni_csrf").value;
    const answer = await page.request.post("/api/session/login", {
      headers: { "x-csrf-token": csrf },
      form: { email: DEMO.email, password: DEMO.password },
    });
    expect(answer.ok(), await answer.text()).toBe(true);
  }
  const errors = watchErrors(page);
  await page.goto("/auditoria");
  await hydrated(page);
  const rows = page.getByTestId("auditoria-linhas").locator("tr");
  await expect(rows).toHaveCount(50);
  await page.getByTestId("carregar-mais").click();
  await expect.poll(() => rows.count()).toBeGreaterThan(50);
  expect(errors).toEqual([]);
});

// The three screens contact centres use: nothing wider than the window on any page, and a
// screenshot of each (target/e2e-screenshots/tela-*) to look at.
const SIZES = [
  [1280, 720],
  [1366, 768],
  [1920, 1080],
];

test("cada página cabe em 1280×720, 1366×768 e 1920×1080", async ({ page }) => {
  // Every page of the menu at three sizes: about 1.5 s each, more than the default minute.
  test.setTimeout(180_000);
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await hydrated(page);
  const hrefs = await page
    .getByRole("navigation", { name: "Navegação principal" })
    .locator("a[href^='/']")
    .evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  const pages = [...new Set([...hrefs, ...EXTRA.administrador, "/demonstracao"])];
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    for (const href of pages) {
      await page.goto(href);
      await hydrated(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${href} em ${width}×${height}`).toBeLessThanOrEqual(0);
      await shot(page, `tela-${width}x${height}-${href.replace(/\//g, "_") || "_"}`);
    }
  }
});

test("as abas das Configurações ficam no mesmo lugar e com a mesma largura em cada seção", async ({ page }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  const boxes = [];
  for (const href of ["/configuracoes", "/configuracoes/canais", "/configuracoes/tokens", "/configuracoes/integracoes", "/configuracoes/campanhas"]) {
    await page.goto(href);
    await hydrated(page);
    const tabs = page.getByRole("navigation", { name: "Seções das configurações" });
    await expect(tabs.locator("a[aria-current=page]")).toHaveAttribute("href", href);
    const box = await tabs.boundingBox();
    const each = await tabs.locator("a").evaluateAll((links) => links.map((a) => Math.round(a.getBoundingClientRect().width)));
    boxes.push({ href, x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), each });
  }
  for (const b of boxes.slice(1)) {
    expect({ ...b, href: undefined }, b.href).toEqual({ ...boxes[0], href: undefined });
  }
});
