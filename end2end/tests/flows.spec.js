// The flow builder at /fluxos: an administrator drags a message block from the palette, connects
// it with the keyboard alone and from a main-menu option with the mouse, types its text, undoes
// and redoes, publishes, and the simulator's WhatsApp skin says the new text; a second tab's
// stale save is refused; versions are compared and rolled back, which leaves the demo flow as
// it was for the tests after this one.
const { test, expect } = require("@playwright/test");
const { DEMO, hydrated, login, shot, bubbles, say, pick, openDemo } = require("./helpers");

const NOTICE = "Aviso: manutenção programada na sua rua hoje, das 8h às 12h.";

const port = (page, block, name) =>
  page.locator(`#bloco-${block} button.porta[aria-label^='Saída "${name}"']`);

async function openBuilder(page) {
  await page.goto("/fluxos/principal");
  await hydrated(page);
  await expect(page.locator("#bloco-menu")).toBeVisible();
}

async function saved(page) {
  await expect(page.getByTestId("estado-salvamento")).toHaveText("Salvo", { timeout: 15_000 });
}

async function publish(page, note) {
  await saved(page);
  await page.getByTestId("publicar").click();
  await page.getByTestId("nota-publicacao").fill(note);
  await page.getByTestId("confirmar-publicacao").click();
  await expect(page.getByText(/Versão \d+ publicada/).first()).toBeVisible();
}

test("an administrator draws, connects, publishes and rolls back a flow the simulator runs", async ({ page, context, browser }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/fluxos");
  await hydrated(page);
  const row = page.getByTestId("linha-fluxo").filter({ hasText: "Menu principal" });
  await expect(row).toContainText("Publicado");
  await expect(row).toContainText("WhatsApp");
  await shot(page, "flows-01-list");

  await openBuilder(page);
  await page.getByRole("button", { name: "Ir ao início" }).click();
  const canvas = page.getByTestId("tela-fluxo");
  const box = await canvas.boundingBox();

  // Drag a text message from the palette to the empty space left of the main menu.
  await page
    .getByTestId("paleta")
    .getByRole("button", { name: /Mensagem de texto/ })
    .dragTo(canvas, { targetPosition: { x: 140, y: box.height - 200 } });
  const added = page.locator(".bloco.selecionado");
  await expect(added).toHaveAttribute("aria-label", /Mensagem de texto/);
  const id = await added.getAttribute("data-node-id");
  await expect(added).toBeFocused();

  // Keyboard alone: Tab to the block's port, Enter opens "Ligar a…", arrows pick the hand-off.
  await page.keyboard.press("Tab");
  await expect(port(page, id, "Seguinte")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("menu", { name: "Ligar a…" })).toBeVisible();
  for (let i = 0; i < 40; i++) {
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    if (focused === "Transferir para atendente") break;
    await page.keyboard.press("ArrowDown");
  }
  await page.keyboard.press("Enter");
  await expect(port(page, id, "Seguinte")).toHaveAttribute("aria-label", /ligada a "Transferir para atendente"/);
  await expect(page.getByTestId("anuncio")).toContainText("ligada a");

  // Undo and redo, from the keyboard.
  await page.locator(`#bloco-${id}`).focus();
  await page.keyboard.press("Control+z");
  await expect(port(page, id, "Seguinte")).toHaveAttribute("aria-label", /sem ligação/);
  await page.keyboard.press("Control+Shift+z");
  await expect(port(page, id, "Seguinte")).toHaveAttribute("aria-label", /ligada a "Transferir para atendente"/);

  // The new block is not reached yet: the Problems panel says so and names it.
  await page.getByTestId("aba-problemas").click();
  await expect(page.getByTestId("problemas")).toContainText(`"${id}" não é alcançado`);
  await shot(page, "flows-03-problems");
  await page.getByRole("tab", { name: "Propriedades" }).click();

  // Its text, typed in the inspector with WhatsApp's limit counted.
  await page.locator(`#bloco-${id} .bloco-cabecalho`).click();
  await page.getByTestId("campo-texto").fill(NOTICE);
  await expect(page.getByTestId("inspetor")).toContainText(`${[...NOTICE].length}/1024`);
  await expect(page.locator(`#bloco-${id} .bloco-corpo`)).toHaveText(NOTICE);
  await shot(page, "flows-04-inspector");

  // With the mouse: from the main menu's "Reportar problema" to the new block.
  const from = await port(page, "menu", "Reportar problema").boundingBox();
  const to = await page.locator(`#bloco-${id} .bloco-cabecalho`).boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
  await page.mouse.up();
  await expect(port(page, "menu", "Reportar problema")).toHaveAttribute("aria-label", /ligada a "Mensagem de texto"/);
  await shot(page, "flows-02-canvas");

  // "Testar" runs this draft on the server: the block it waits at is highlighted.
  await page.getByTestId("aba-testar").click();
  await page.getByTestId("teste-texto").fill("oi");
  await page.getByTestId("teste-texto").press("Enter");
  const conversation = page.getByTestId("teste-conversa");
  await expect(conversation).toContainText("Como posso ajudar");
  await expect(page.locator("#bloco-menu.bloco-testando")).toBeVisible();
  await conversation.locator("summary", { hasText: "Ver opções" }).click();
  await conversation.getByRole("button", { name: /Reportar problema/ }).click();
  await expect(conversation).toContainText(NOTICE);
  await expect(conversation).toContainText("Transferida");
  await shot(page, "flows-09-testar");

  await publish(page, "Aviso de manutenção em Reportar problema");

  // The simulator runs the published version.
  const phone = await context.newPage();
  await openDemo(phone);
  await say(phone, "oi");
  await expect(bubbles(phone).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await pick(phone, "Reportar problema");
  await expect(bubbles(phone).filter({ hasText: NOTICE })).toBeVisible();
  await shot(phone, "flows-07-simulator-new-text");

  // A second tab saves first; this tab's next save is refused, nothing is overwritten.
  const other = await context.newPage();
  await openBuilder(other);
  await other.getByTestId("nome-fluxo").fill("Menu principal (outra aba)");
  await other.getByTestId("nome-fluxo").press("Tab");
  await saved(other);
  await page.locator(`#bloco-${id}`).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByTestId("conflito")).toContainText("O rascunho mudou");
  await shot(page, "flows-08-stale-save");
  await page.getByRole("button", { name: "Recarregar a versão salva" }).click();
  await expect(page.getByTestId("nome-fluxo")).toHaveValue("Menu principal (outra aba)");
  await other.close();

  // Compare with the version before, then roll back to it in one restore and a publish.
  await page.getByTestId("aba-historico").click();
  const versions = page.getByTestId("historico").locator(".versao");
  await expect(versions.nth(1)).toBeVisible();
  await versions.nth(1).getByRole("button", { name: "Comparar" }).click();
  await expect(page.locator(`#bloco-${id}.bloco-adicionado`)).toBeVisible();
  await expect(page.locator("#bloco-menu.bloco-alterado")).toBeVisible();
  await shot(page, "flows-05-compare");
  await versions.nth(1).getByRole("button", { name: "Restaurar como rascunho" }).click();
  await expect(page.getByText(/virou o rascunho/)).toBeVisible();
  await expect(page.locator(`#bloco-${id}`)).toHaveCount(0);
  await publish(page, "Volta à versão anterior");

  await page.getByRole("button", { name: "Lista", exact: true }).click();
  await expect(page.getByTestId("lista-fluxo")).toContainText("Menu principal");
  await shot(page, "flows-06-outline");

  // A new visitor (the first one's conversation went to a person): a context of its own.
  const again = await (await browser.newContext()).newPage();
  await openDemo(again);
  await say(again, "oi");
  await expect(bubbles(again).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await pick(again, "Reportar problema");
  await expect(bubbles(again).filter({ hasText: "CPF" })).toBeVisible();
  await expect(bubbles(again).filter({ hasText: NOTICE })).toHaveCount(0);

  // "Análise": both visitors reached the menu and left it through "Reportar problema"; the
  // overlay says so on the block and on the port, and the panel lists where customers stop.
  await page.getByRole("button", { name: "Tela", exact: true }).click();
  await page.getByTestId("aba-analise").click();
  await expect(page.getByTestId("analise-resumo")).toContainText("começaram o fluxo");
  const menuFigures = page.locator("#bloco-menu").getByTestId("analise-bloco");
  await expect(menuFigures).toBeVisible();
  const reached = Number((await menuFigures.locator(".passaram").textContent()).replace(/\D/g, ""));
  expect(reached).toBeGreaterThanOrEqual(2);
  const reported = page
    .locator("#bloco-menu .porta-linha", { hasText: "Reportar problema" })
    .getByTestId("analise-porta");
  await expect(reported).toHaveText(/\d+/);
  expect(Number(await reported.textContent())).toBeGreaterThanOrEqual(2);
  await expect(page.locator("#bloco-menu")).toHaveAttribute("aria-label", /conversa\(s\) chegaram/);
  await page.getByRole("button", { name: "Ir ao início" }).click();
  await shot(page, "flows-10-analytics");
  // A version alone: the select lists the published ones.
  await page.getByTestId("analise-versao").selectOption({ index: 1 });
  await expect(page.getByTestId("analise-resumo")).not.toContainText("Calculando");
});
