// Campanhas: an administrator builds a campaign from a CSV upload in the wizard (the file's
// report with line numbers, the variables bound to its columns with a fallback, the phone
// preview), checks the pre-flight, starts it and watches the progress bar reach 100 % while a
// fake Graph API receives exactly one template per recipient; Meta's status webhooks fill the
// report in, a customer's "PARAR" opts them out, and their contact panel says so.
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const { test, expect } = require("@playwright/test");
const { DEMO, shot, hydrated, login, templateWebhook } = require("./helpers");

const PHONE_NUMBER_ID = "106540352242922";
const WABA_ID = "102290129340398";
const TOKEN = "token-e2e";
const APP_SECRET = process.env.META_APP_SECRET || "segredo-e2e";
const GRAPH_PORT = Number(process.env.E2E_GRAPH_PORT || 3199);

/** Meta's Graph API for campaigns: the template list, templates created (PENDING until the
 * test approves them), and sends that record each payload. */
async function startGraph() {
  const graph = { sends: [], created: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://graph");
      const json = (status, body) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        return json(401, { error: { message: "Invalid OAuth access token.", code: 190 } });
      }
      if (req.method === "POST" && url.pathname === `/v24.0/${PHONE_NUMBER_ID}/messages`) {
        const body = JSON.parse(Buffer.concat(chunks).toString() || "null");
        if (body.status === "read") return json(200, { success: true });
        const wamid = `wamid.CAMP${graph.sends.length}${crypto.randomUUID().slice(0, 6)}`;
        graph.sends.push({ ...body, wamid });
        return json(200, {
          messaging_product: "whatsapp",
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: wamid }],
        });
      }
      if (req.method === "POST" && url.pathname === `/v24.0/${WABA_ID}/message_templates`) {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        const id = String(710000000000000 + graph.created.length + 1);
        graph.created.push({ ...body, id, status: "PENDING" });
        return json(200, { id, status: "PENDING", category: body.category });
      }
      if (req.method === "GET" && url.pathname === `/v24.0/${WABA_ID}/message_templates`) {
        return json(200, {
          data: [
            ...graph.created,
            {
              name: "aviso_fatura", language: "pt_BR", status: "APPROVED", category: "UTILITY", id: "31",
              components: [
                { type: "HEADER", format: "TEXT", text: "Águas do Vale" },
                { type: "BODY", text: "Olá, {{1}}! Sua fatura de {{2}} vence em {{3}}. Quer pagar agora pelo PIX?",
                  example: { body_text: [["Maria", "R$ 150,20", "10/12"]] } },
                { type: "FOOTER", text: "Responda PARAR para não receber mais" },
                { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Negociar" }, { type: "QUICK_REPLY", text: "Já paguei" }] },
              ],
            },
          ],
          paging: { cursors: {} },
        });
      }
      json(404, { error: { message: "Unknown path", code: 100 } });
    });
  });
  await new Promise((resolve) => server.listen(GRAPH_PORT, "127.0.0.1", resolve));
  graph.close = () =>
    new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  return graph;
}

let graph;
test.beforeAll(async () => {
  graph = await startGraph();
});
test.afterAll(async () => {
  await graph.close();
});

async function signed(request, value) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: WABA_ID, changes: [{ field: "messages", value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
      ...value,
    } }] }],
  });
  const signature = "sha256=" + crypto.createHmac("sha256", APP_SECRET).update(body).digest("hex");
  const r = await request.post("/webhooks/whatsapp", {
    data: body,
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
  });
  expect(r.status()).toBe(200);
}


function number() {
  return String(Math.floor(Math.random() * 1e8)).padStart(8, "0");
}

test("a campaign from a CSV upload reaches 100 % and its report fills in", async ({ page, request }) => {
  test.setTimeout(120_000);
  const [a, b] = [number(), number()];
  const waA = `55119${a}`;
  const waB = `55219${b}`;
  // As a spreadsheet exports it: semicolons, a BOM, an empty first name, a bad line, a repeat.
  const csv =
    "\ufeffnome;telefone;valor;vencimento\r\n" +
    `Maria Campanha;(11) 9${a.slice(0, 4)}-${a.slice(4)};R$ 150,20;10/12\r\n` +
    `;21 9${b};R$ 89,90;12/12\r\n` +
    "Sem Telefone;123;R$ 1,00;01/01\r\n" +
    `Maria de Novo;11 9${a};R$ 150,20;10/12\r\n`;
  const file = path.join(os.tmpdir(), `campanha-${a}.csv`);
  fs.writeFileSync(file, csv);

  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/modelos");
  await hydrated(page);
  await page.getByRole("button", { name: "Sincronizar com a Meta" }).click();
  await expect(page.getByTestId("linha-modelo").filter({ hasText: "aviso_fatura" })).toContainText("Aprovado");

  await page.goto("/campanhas");
  await hydrated(page);
  await page.getByTestId("nova-campanha").click();
  await expect(page.getByRole("heading", { name: "Nova campanha" })).toBeVisible();
  await hydrated(page);
  await page.getByTestId("campanha-modelo").selectOption("aviso_fatura|pt_BR");
  await page.getByTestId("campanha-arquivo").setInputFiles(file);
  const report = page.getByTestId("campanha-relatorio");
  await expect(page.getByTestId("campanha-validos")).toHaveText("2");
  await expect(report).toContainText("Linha 4");
  await expect(report).toContainText("linha 5 (igual à 2)");
  // {{1}} is the first name with "cliente" when empty; {{2}} and {{3}} the file's columns.
  const variables = page.getByTestId("campanha-variavel");
  await expect(variables).toHaveCount(3);
  await variables.nth(1).locator("select").selectOption("valor");
  await variables.nth(2).locator("select").selectOption("vencimento");
  const preview = page.getByTestId("modelo-previa");
  await expect(preview).toContainText("Olá, Maria! Sua fatura de R$ 150,20 vence em 10/12.");
  await expect(preview).toContainText("Negociar");
  await page.getByTestId("campanha-nome").fill("Aviso de vencimento — teste");
  // The test runs at any hour: the quiet hours would hold the messages until 8h.
  await page.getByLabel(/Respeitar o horário comercial/).uncheck();
  await shot(page, "campaigns-01-wizard");
  await page.getByTestId("criar-campanha").click();

  await expect(page).toHaveURL(/\/campanhas\/[0-9a-f-]{36}/);
  await expect(page.getByText("Rascunho criado com 2 destinatário(s).", { exact: false })).toBeVisible();
  const check = page.getByTestId("verificacao");
  await expect(check).toContainText("2 de 2 destinatário(s) podem receber");
  await expect(check).toContainText("Modelo aprovado");
  await expect(page.getByTestId("estado-campanha")).toHaveText("Rascunho");
  await shot(page, "campaigns-02-preflight");

  await page.getByTestId("iniciar-campanha").click();
  await expect(page.getByTestId("percentual")).toHaveText("100%", { timeout: 45_000 });
  await expect(page.getByTestId("estado-campanha")).toHaveText("Concluída", { timeout: 30_000 });
  await expect(page.getByTestId("numero-enviadas")).toHaveText("2");

  // Exactly one template per recipient, with each one's own values.
  const mine = graph.sends.filter((s) => s.to === waA || s.to === waB);
  expect(mine).toHaveLength(2);
  const toA = mine.find((s) => s.to === waA);
  expect(toA.type).toBe("template");
  expect(toA.template.name).toBe("aviso_fatura");
  expect(toA.template.components[0].parameters.map((p) => p.text)).toEqual(["Maria", "R$ 150,20", "10/12"]);
  const toB = mine.find((s) => s.to === waB);
  expect(toB.template.components[0].parameters[0].text).toBe("cliente");

  // Meta reports delivery and reading; Maria's contact writes "PARAR".
  const ts = String(Math.floor(Date.now() / 1000));
  await page.getByTestId("destinatarios").getByRole("tab", { name: "Enviadas" }).click();
  await expect(page.getByTestId("linha-destinatario")).toHaveCount(2);
  await signed(request, {
    statuses: mine.flatMap((s) => [
      { id: s.wamid, status: "delivered", timestamp: ts, recipient_id: s.to },
      ...(s.to === waA ? [{ id: s.wamid, status: "read", timestamp: ts, recipient_id: s.to }] : []),
    ]),
  });
  await signed(request, {
    contacts: [{ profile: { name: "Maria Campanha" }, wa_id: waA }],
    messages: [{ from: waA, id: `wamid.PARAR${a}`, timestamp: ts, type: "text", text: { body: "PARAR" } }],
  });
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("numero-entregues")).toHaveText("2", { timeout: 15_000 });
  await expect(page.getByTestId("numero-lidas")).toHaveText("1");
  await expect(page.getByTestId("numero-respostas")).toHaveText("1");
  await expect(page.getByTestId("numero-saíram")).toHaveText("1");
  await shot(page, "campaigns-03-report");

  // Maria's contact panel, from her line of the report, says she left marketing.
  await page.getByTestId("linha-destinatario").filter({ hasText: "Maria Campanha" }).getByRole("link", { name: "Conversa" }).click();
  await expect(page.getByTestId("supressao")).toContainText("Não recebe marketing (pediu para sair por mensagem)", { timeout: 15_000 });
  await shot(page, "campaigns-05-contact-consent");

  // The list shows it done; Maria's contact panel says she left marketing.
  await page.goto("/campanhas");
  await hydrated(page);
  const row = page.getByTestId("linha-campanha").filter({ hasText: "Aviso de vencimento — teste" });
  await expect(row.getByTestId("estado-campanha")).toHaveText("Concluída");
  await shot(page, "campaigns-04-list");
});

test("a campaign to the platform's contacts picked by tag, scheduled at each one's local time", async ({ page }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/campanhas/nova");
  await hydrated(page);
  // The demo's collection template, on the simulated WhatsApp channel.
  await page.getByTestId("campanha-canal").selectOption({ label: "Demonstração · WhatsApp" });
  await page.getByTestId("campanha-modelo").selectOption("aviso_debito_vencido|pt_BR");
  // The in-debt fixtures carry the "inadimplente" tag; the filter finds them, typed any way.
  await page.getByTestId("campanha-contatos").click();
  await page.getByTestId("filtro-etiquetas").fill("Inadimplente");
  await page.getByTestId("filtro-usar").click();
  await expect(page.getByTestId("filtro-resultado")).toContainText("2 contato(s) com telefone: com a etiqueta inadimplente");
  await expect(page.getByTestId("campanha-validos")).toHaveText("2");
  // The contacts have no invoice columns: {{2}} and {{3}} get a fixed text.
  const variables = page.getByTestId("campanha-variavel");
  await expect(variables).toHaveCount(3);
  for (const [i, text] of [[1, "algumas"], [2, "o valor em aberto"]]) {
    await variables.nth(i).locator("select").selectOption("");
    await variables.nth(i).locator("input").fill(text);
  }
  await expect(page.getByTestId("modelo-previa")).toContainText("Consta no seu cadastro algumas fatura(s) vencida(s), somando o valor em aberto");
  await page.getByTestId("campanha-nome").fill("Inadimplentes — hora local");
  await page.getByTestId("campanha-agendar").check();
  // Tomorrow at 09:00, Brasília's wall clock, read in each recipient's zone.
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000 - 3 * 3600 * 1000).toISOString().slice(0, 10);
  await page.getByTestId("campanha-inicio").fill(`${tomorrow}T09:00`);
  await page.getByTestId("campanha-hora-local").check();
  await page.getByTestId("filtro-contatos").scrollIntoViewIfNeeded();
  await shot(page, "campaigns-06-contact-filter");
  await page.getByTestId("criar-campanha").click();

  await expect(page).toHaveURL(/\/campanhas\/[0-9a-f-]{36}/);
  await expect(page.getByText("Rascunho criado com 2 destinatário(s).", { exact: false })).toBeVisible();
  await expect(page.getByText("no horário local de cada destinatário")).toBeVisible();
  await page.getByTestId("iniciar-campanha").click();
  await expect(page.getByTestId("estado-campanha")).toHaveText("Agendada");
  await shot(page, "campaigns-07-scheduled-local-time");
});

test("a template written in Modelos, approved by Meta, sends a CSV campaign scheduled a minute ahead", async ({ page, request }) => {
  test.setTimeout(240_000);
  const suffix = number().slice(0, 5);
  const name = `leitura_disponivel_${suffix}`;
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);

  // Modelos: written, sent for review, approved by Meta's webhook.
  await page.goto("/modelos");
  await hydrated(page);
  await page.getByTestId("novo-modelo").click();
  await page.getByTestId("modelo-nome").fill(name);
  await page.getByTestId("modelo-texto").fill("Olá, {{1}}! A leitura do seu medidor de {{2}} já está disponível.");
  await page.getByTestId("modelo-exemplo-0").fill("Maria");
  await page.getByTestId("modelo-exemplo-1").fill("novembro");
  await expect(page.getByTestId("modelo-problemas")).toHaveText("Dentro dos limites da Meta.");
  await page.getByTestId("enviar-modelo").click();
  const row = page.getByTestId("linha-modelo").filter({ hasText: name });
  await expect(row).toContainText("Em análise");
  const created = graph.created.find((t) => t.name === name);
  expect(created.components.find((c) => c.type === "BODY").example.body_text).toEqual([["Maria", "novembro"]]);
  created.status = "APPROVED";
  await templateWebhook(request, {
    event: "APPROVED", message_template_id: Number(created.id), message_template_name: name,
    message_template_language: "pt-BR", reason: "NONE", message_template_category: created.category,
  }, { wabaId: WABA_ID, secret: APP_SECRET });
  await expect(row.getByTestId("estado-modelo")).toHaveText("Aprovado", { timeout: 15_000 });

  // Campanhas: that template, a CSV, a start at the next whole minute (Brasília time).
  const a = number();
  const wa = `55119${a}`;
  const file = path.join(os.tmpdir(), `agendada-${a}.csv`);
  fs.writeFileSync(file, `nome,telefone,mes\nLúcia Agendada,+55 11 9${a},novembro\n`);
  await page.goto("/campanhas/nova");
  await hydrated(page);
  await page.getByTestId("campanha-modelo").selectOption(`${name}|pt_BR`);
  await page.getByTestId("campanha-arquivo").setInputFiles(file);
  await expect(page.getByTestId("campanha-validos")).toHaveText("1");
  const variables = page.getByTestId("campanha-variavel");
  await expect(variables).toHaveCount(2);
  await variables.nth(1).locator("select").selectOption("mes");
  await expect(page.getByTestId("modelo-previa")).toContainText("Olá, Lúcia! A leitura do seu medidor de novembro já está disponível.");
  await page.getByTestId("campanha-nome").fill(`Leituras ${suffix} — agendada`);
  await page.getByLabel(/Respeitar o horário comercial/).uncheck();
  await page.getByTestId("campanha-agendar").check();
  const start = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
  const brasilia = new Date(start.getTime() - 3 * 3600 * 1000).toISOString().slice(0, 16);
  await page.getByTestId("campanha-inicio").fill(brasilia);
  await page.getByTestId("criar-campanha").click();
  await expect(page).toHaveURL(/\/campanhas\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("verificacao")).toContainText("Modelo aprovado");
  await page.getByTestId("iniciar-campanha").click();
  await expect(page.getByTestId("estado-campanha")).toHaveText("Agendada");
  await shot(page, "campaigns-08-created-template-scheduled");
  expect(graph.sends.filter((s) => s.to === wa)).toHaveLength(0);

  // At the minute (the scheduler looks every 15 s), the progress bar fills and it is done.
  await expect(page.getByTestId("percentual")).toHaveText("100%", { timeout: 150_000 });
  await expect(page.getByTestId("estado-campanha")).toHaveText("Concluída", { timeout: 30_000 });
  const sent = graph.sends.filter((s) => s.to === wa);
  expect(sent).toHaveLength(1);
  expect(sent[0].template.name).toBe(name);
  expect(sent[0].template.components[0].parameters.map((p) => p.text)).toEqual(["Lúcia", "novembro"]);
  expect(Date.now()).toBeGreaterThanOrEqual(start.getTime());
  // Meta reports the delivery: the report fills in.
  await signed(request, {
    statuses: [{ id: sent[0].wamid, status: "delivered", timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: wa }],
  });
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("numero-entregues")).toHaveText("1", { timeout: 15_000 });
  await shot(page, "campaigns-09-scheduled-done");
});

test("the sending rules are set in Configurações → Campanhas, checked and tidied", async ({ page }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/campanhas");
  await hydrated(page);
  await page.getByTestId("config-campanhas").click();
  await expect(page).toHaveURL(/\/configuracoes\/campanhas$/);
  await hydrated(page);
  const form = page.getByTestId("form-config-campanhas");
  await expect(page.getByTestId("config-limite")).toHaveValue("2000");
  await expect(page.getByTestId("config-preco-marketing")).toHaveValue("0,35");
  // Monday closing before it opens: told with the day, nothing saved.
  await form.getByLabel("Seg: fecha às").fill("07:00");
  await page.getByTestId("salvar-config-campanhas").click();
  await expect(form.getByRole("alert")).toContainText("Horário de segunda-feira: o fechamento deve ser depois da abertura.");
  await form.getByLabel("Seg: fecha às").fill("20:00");
  await page.getByTestId("config-limite").selectOption("10000");
  await page.getByTestId("config-limite-contato").fill("3");
  const words = page.getByTestId("config-palavras");
  await words.fill((await words.inputValue()) + "\n  Chega de Mensagem \nparar");
  await page.getByTestId("salvar-config-campanhas").click();
  await expect(page.getByText("Configurações de campanhas salvas.")).toBeVisible();
  // Stored tidied: trimmed, in lower case, once.
  await expect(words).toHaveValue(/\nchega de mensagem$/);
  await shot(page, "campaigns-10-settings");
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("config-limite")).toHaveValue("10000");
  await expect(page.getByTestId("config-limite-contato")).toHaveValue("3");
});
