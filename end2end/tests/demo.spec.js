// The demo simulator at /demonstracao: the real bot behind WhatsApp, Messenger, Instagram and
// webchat skins, the mock ERP's payment data, and a hand-off that reaches an agent's inbox.
const { test, expect } = require("@playwright/test");
const { DEMO, hydrated, login, shot, bubbles, say, pick, openDemo } = require("./helpers");

/** FEBRABAN module 10 over each 11-digit block of a 48-digit arrecadação line. */
function digitableValid(line) {
  if (!/^\d{48}$/.test(line)) return false;
  for (let b = 0; b < 4; b++) {
    const block = line.slice(b * 12, b * 12 + 11);
    let sum = 0;
    [...block].reverse().forEach((c, i) => {
      const p = Number(c) * (i % 2 === 0 ? 2 : 1);
      sum += Math.floor(p / 10) + (p % 10);
    });
    if ((10 - (sum % 10)) % 10 !== Number(line[b * 12 + 11])) return false;
  }
  return true;
}

/** CRC16/CCITT-FALSE, as the BR Code ends with. */
function pixValid(code) {
  const body = code.slice(0, -4);
  let crc = 0xffff;
  for (const byte of Buffer.from(body, "utf8")) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0") === code.slice(-4);
}

/** The text of the message that is nothing but a PIX code. */
const pixBubble = (page) => page.locator(".sim-texto").filter({ hasText: /^\s*000201[^\n]+6304[0-9A-F]{4}\s*$/ }).last();

test("WhatsApp skin: Maria gets her invoice's digitable line and PIX", async ({ page }) => {
  await openDemo(page);
  await say(page, "oi");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await expect(page.getByTestId("painel-status")).toHaveText("Com o robô");
  await page.locator(".sim-lista-abrir").last().click();
  await expect(page.getByTestId("sim-lista")).toBeVisible();
  await shot(page, "demo-02-whatsapp-list-sheet");
  await page.getByTestId("sim-lista").locator("label", { hasText: "2ª via da fatura" }).click();
  await page.getByTestId("sim-lista-enviar").click();
  await expect(bubbles(page).filter({ hasText: "Qual é o seu CPF" })).toBeVisible();
  await say(page, "111.111.111-11");
  const invoice = bubbles(page).filter({ hasText: "Linha digitável" });
  await expect(invoice).toBeVisible();
  await expect(bubbles(page).filter({ hasText: "Posso ajudar em algo mais?" })).toBeVisible();
  const text = await invoice.innerText();
  const line = text.split("\n").map((l) => l.replace(/\D/g, "")).find((d) => d.length === 48);
  expect(line, text).toBeTruthy();
  expect(digitableValid(line)).toBe(true);
  // The PIX code is a bubble of its own: a long press copies the code and nothing else.
  await expect(bubbles(page).filter({ hasText: "PIX copia e cola" })).toBeVisible();
  const pix = (await pixBubble(page).innerText()).trim();
  expect(pixValid(pix), pix).toBe(true);
  // The presenter sees the ERP calls with their latency.
  await expect(page.getByTestId("painel-eventos")).toContainText("ERP · Segunda via da fatura");
  await expect(page.getByTestId("painel-eventos").locator(".sim-ms").first()).toHaveText(/\d+ ms/);
  await shot(page, "demo-01-whatsapp-maria");
});

test("WhatsApp skin: João accepts six instalments and receives PIX data", async ({ page }) => {
  await openDemo(page);
  await say(page, "olá");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await pick(page, "Negociar débitos");
  await expect(bubbles(page).filter({ hasText: "Qual é o seu CPF" })).toBeVisible();
  await say(page, "222.222.222-22");
  await expect(bubbles(page).filter({ hasText: "3 faturas vencidas" })).toBeVisible();
  await expect(page.locator(".sim-lista-abrir").last()).toHaveText(/Ver condições/);
  await page.locator(".sim-lista-abrir").last().click();
  const sheet = page.getByTestId("sim-lista");
  await expect(sheet.locator("label", { hasText: "6 parcelas" })).toContainText(/6x de R\$ [\d.]+,\d\d/);
  await shot(page, "demo-03-whatsapp-negotiation-options");
  await sheet.locator("label", { hasText: "6 parcelas" }).click();
  await sheet.getByTestId("sim-lista-enviar").click();
  // Nothing is closed before João confirms the summary.
  const confirm = bubbles(page).filter({ hasText: "Confira antes de eu fechar o acordo" });
  await expect(confirm).toContainText(/6 parcelas de R\$ [\d.]+,\d\d/);
  await expect(confirm).toContainText("1ª parcela vence em");
  await shot(page, "demo-03b-whatsapp-confirm-agreement");
  await expect(bubbles(page).filter({ hasText: "Acordo fechado" })).toHaveCount(0);
  await confirm.locator(".sim-botao", { hasText: "Confirmar" }).click();
  const agreement = bubbles(page).filter({ hasText: "Acordo fechado" });
  await expect(agreement).toBeVisible();
  await expect(agreement).toContainText(/6x de R\$/);
  await expect(agreement).toContainText("A 1ª parcela, de R$");
  await expect(bubbles(page).filter({ hasText: "PIX copia e cola" })).toBeVisible();
  expect(pixValid((await pixBubble(page).innerText()).trim())).toBe(true);
  await expect(page.getByTestId("painel-status")).toHaveText("Encerrada");
  await expect(page.getByTestId("painel-eventos")).toContainText("ERP · Fechar acordo");
  await shot(page, "demo-04-whatsapp-joao-agreement");
});

test("the collection campaign reaches the simulator and Negociar opens the negotiation", async ({ page, browser }) => {
  await openDemo(page);
  // The presenter sends the demo's collection template to this phone, through the campaign
  // sender: João's overdue invoices from the mock ERP.
  await page.getByTestId("sim-campanha").click();
  const template = bubbles(page).filter({ hasText: "Consta no seu cadastro 3 fatura(s) vencida(s)" });
  await expect(template).toBeVisible({ timeout: 20_000 });
  await expect(template).toContainText("Olá, João!");
  await expect(template).toContainText("Aviso de débito");
  await expect(template).toContainText(/somando R\$ [\d.]+,\d\d/);
  await expect(template.locator(".sim-botao")).toHaveText(["Negociar", "Parar de receber"]);
  await expect(page.getByRole("link", { name: /Ver a campanha/ })).toBeVisible();
  // The chat's header stays one row (back, avatar, name, icons), however the template styles
  // its own header.
  const bar = await page.locator(".sim-cabecalho").first().boundingBox();
  expect(bar.height).toBeLessThan(80);
  await expect(template.locator(".sim-modelo-topo")).toHaveText("Aviso de débito");
  await shot(page, "demo-07-collection-template");
  await template.locator(".sim-botao", { hasText: "Negociar" }).click();
  await expect(bubbles(page).filter({ hasText: "qual é o seu CPF" })).toBeVisible();
  await say(page, "222.222.222-22");
  await expect(bubbles(page).filter({ hasText: "3 faturas vencidas" })).toBeVisible();
  await expect(page.locator(".sim-lista-abrir").last()).toHaveText(/Ver condições/);
  await expect(page.getByTestId("painel-bloco")).toContainText("negociacao · ");
  await shot(page, "demo-08-collection-negotiation");

  // The campaign manager sees it: sent, and answered.
  const managerContext = await browser.newContext();
  const manager = await managerContext.newPage();
  await login(manager, DEMO.email, DEMO.password);
  await expect(manager).not.toHaveURL(/\/entrar/);
  await manager.goto("/campanhas");
  await hydrated(manager);
  await expect(manager.getByTestId("linha-campanha").filter({ hasText: "Cobrança · faturas vencidas (demonstração)" })).toContainText("Rascunho");
  await manager.getByTestId("linha-campanha").filter({ hasText: "Cobrança ao vivo · simulador" }).first().getByRole("link").first().click();
  await expect(manager.getByTestId("estado-campanha")).toHaveText("Concluída");
  await expect(manager.getByTestId("numero-respostas")).toHaveText("1");
  await shot(manager, "demo-09-collection-campaign-report");
  await managerContext.close();
});

test("a hand-off from the simulator reaches an agent's inbox and the reply comes back", async ({ page, browser }) => {
  await openDemo(page);
  await say(page, "oi");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await say(page, "atendente");
  // The menu offers "Falar com atendente": the flow's own hand-off answers the typed word; the
  // demo's agents are offline, so the bot says nobody is available instead of "um instante".
  await expect(bubbles(page).filter({ hasText: "está disponível" })).toBeVisible();
  await expect(page.getByTestId("painel-status")).toHaveText(/Na fila|Com /);
  await expect(page.getByTestId("painel-eventos")).toContainText("Transferida");

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await login(agent, DEMO.email, DEMO.password);
  await expect(agent.getByRole("heading", { name: "Painel" })).toBeVisible();
  await expect(page.getByTestId("painel-status")).toHaveText(/Na fila/);
  await agent.goto("/conversas");
  await hydrated(agent);
  await agent.getByTestId("aba-todas").click();
  const row = agent.getByTestId("linha-conversa").filter({ hasText: "Visitante da demonstração" }).first();
  await expect(row).toBeVisible();
  await row.click();
  await expect(agent.getByTestId("linha-tempo")).toContainText("está disponível");
  // In the queue of Atendimento Geral (the demo's agents are offline): the administrator takes it.
  await agent.getByTestId("assumir").click();
  await expect(agent.getByText("Conversa atribuída a você.")).toBeVisible();
  await agent.getByTestId("campo-mensagem").fill("Olá! Aqui é da Águas do Vale, em que posso ajudar?");
  await agent.getByTestId("campo-mensagem").press("Enter");
  await expect(agent.getByTestId("linha-tempo")).toContainText("Aqui é da Águas do Vale");
  await shot(agent, "demo-05-handoff-in-inbox");

  await expect(bubbles(page).filter({ hasText: "Aqui é da Águas do Vale" })).toBeVisible();
  await expect(page.getByTestId("painel-status")).toHaveText(/Com Demonstração/);
  await shot(page, "demo-06-agent-reply-in-simulator");
  await agentContext.close();
});

test("every skin talks to the bot: Messenger and Instagram chips, webchat buttons", async ({ page }) => {
  await openDemo(page);
  for (const skin of ["messenger", "instagram", "webchat"]) {
    await page.getByTestId(`pele-${skin}`).click();
    await expect(page.locator(`.pele-${skin}`)).toBeVisible();
    await say(page, "oi");
    await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
    // The list becomes numbered text (descriptions live in the text) with chips or buttons.
    await expect(bubbles(page).last()).toContainText("2. Leituras do medidor — Consumo dos últimos 12 meses");
    const option = skin === "webchat" ? ".sim-botao" : ".sim-chip";
    await page.locator(option, { hasText: "Leituras do medidor" }).click();
    await expect(bubbles(page).filter({ hasText: "Qual é o seu CPF" })).toBeVisible();
    await say(page, "111.111.111-11");
    await expect(bubbles(page).filter({ hasText: "Estas são as suas leituras" })).toBeVisible();
    await shot(page, `demo-skin-${skin}`);
  }
  await page.getByTestId("pele-whatsapp").click();
  await expect(page.locator(".pele-whatsapp")).toBeVisible();
  await page.getByTestId("reiniciar").click();
  await say(page, "oi");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await shot(page, "demo-skin-whatsapp");
  // A phone screen: the simulator fills it.
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "demo-07-on-a-phone");
});

test("the brief's journey: a CPF as the first message, then menu and ajuda, in WhatsApp", async ({ page }) => {
  await openDemo(page);
  await page.getByTestId("reiniciar").click();
  await say(page, "111.111.111-11");
  await expect(bubbles(page).filter({ hasText: "Prontinho, Maria!" })).toContainText("suas contas estão em dia");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar você agora, Maria?" })).toBeVisible();
  await expect(bubbles(page).filter({ hasText: "Não entendi" })).toHaveCount(0);
  await say(page, "menu");
  await expect(bubbles(page).filter({ hasText: "Eu sou a Val" }).last()).toBeVisible();
  await say(page, "ajuda");
  const help = bubbles(page).filter({ hasText: "Posso ajudar com:" });
  await expect(help).toContainText("2ª via da fatura: Linha digitável e PIX");
  // Formatting is shown, not its asterisks.
  await expect(help.locator(".font-semibold", { hasText: "2ª via da fatura" })).toBeVisible();
  await expect(help).not.toContainText("*");
  // Maria is known now: the second copy comes without asking her CPF again.
  await say(page, "2ª via");
  await expect(bubbles(page).filter({ hasText: "Linha digitável" })).toBeVisible();
  await expect(bubbles(page).filter({ hasText: "Qual é o seu CPF" })).toHaveCount(0);
  await shot(page, "demo-08-brief-journey-maria");

  // A reload keeps the conversation: an agent's reply would reach this phone.
  await page.reload();
  await hydrated(page);
  await expect(bubbles(page).filter({ hasText: "Prontinho, Maria!" })).toBeVisible();
  await expect(page.getByTestId("painel-status")).toHaveText("Com o robô");
});

test("webchat skin: the PIX code has a Copiar código button", async ({ page }) => {
  await openDemo(page, "webchat");
  await page.getByTestId("reiniciar").click();
  await say(page, "segunda via");
  await expect(bubbles(page).filter({ hasText: "Qual é o seu CPF" })).toBeVisible();
  await say(page, "111.111.111-11");
  await expect(bubbles(page).filter({ hasText: "Posso ajudar em algo mais?" })).toBeVisible();
  const copy = page.getByTestId("sim-copiar");
  await expect(copy).toHaveCount(1);
  await copy.click();
  await expect(copy).toHaveText("Código copiado!");
  await shot(page, "demo-09-webchat-copy-pix");
});

test("on a 390 px phone the message box is on screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openDemo(page);
  const box = await page.getByTestId("sim-texto").boundingBox();
  expect(box).not.toBeNull();
  expect(box.y + box.height).toBeLessThanOrEqual(844);
  await say(page, "oi");
  await expect(bubbles(page).filter({ hasText: "Como posso ajudar" })).toBeVisible();
  await shot(page, "demo-10-phone-390");
});
