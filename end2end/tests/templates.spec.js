// Modelos: an administrator syncs the WhatsApp templates from Meta, writes a new one with
// Meta's limits checked as they type and a phone preview, sends it for review, and sees it
// approved without a reload when Meta's webhook arrives; then deletes it.
const crypto = require("node:crypto");
const http = require("node:http");
const { test, expect } = require("@playwright/test");
const { DEMO, shot, hydrated, login, templateWebhook } = require("./helpers");

const WABA_ID = "102290129340398";
const TOKEN = "token-e2e";
const APP_SECRET = process.env.META_APP_SECRET || "segredo-e2e";
const GRAPH_PORT = Number(process.env.E2E_GRAPH_PORT || 3199);

/** Meta's template endpoints: list, create (PENDING), delete. */
async function startGraph() {
  const graph = {
    created: [],
    deleted: [],
    fixed: [
      { name: "retomar_atendimento", language: "pt_BR", status: "APPROVED", category: "UTILITY", id: "1",
        components: [{ type: "BODY", text: "Olá {{1}}! Sobre o seu pedido {{2}}: podemos continuar por aqui?" }] },
      { name: "promocao_natal", language: "pt_BR", status: "REJECTED", category: "MARKETING", id: "2",
        rejected_reason: "PROMOTIONAL", components: [{ type: "BODY", text: "Oferta de Natal" }] },
    ],
  };
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
      if (url.pathname !== `/v24.0/${WABA_ID}/message_templates`) {
        return json(404, { error: { message: "Unknown path", code: 100 } });
      }
      if (req.method === "GET") return json(200, { data: [...graph.fixed, ...graph.created], paging: { cursors: {} } });
      if (req.method === "POST") {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        const id = String(700000000000000 + graph.created.length + 1);
        graph.created.push({ ...body, id, status: "PENDING" });
        return json(200, { id, status: "PENDING", category: body.category });
      }
      if (req.method === "DELETE") {
        graph.deleted.push(Object.fromEntries(url.searchParams));
        graph.created = graph.created.filter((t) => t.id !== url.searchParams.get("hsm_id"));
        return json(200, { success: true });
      }
      json(405, { error: { message: "Method", code: 100 } });
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

function metaWebhook(request, value) {
  return templateWebhook(request, value, { wabaId: WABA_ID, secret: APP_SECRET });
}

test("an administrator writes a template within Meta's limits and sees Meta approve it", async ({ page, request }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/modelos");
  await hydrated(page);
  await page.getByRole("button", { name: "Sincronizar com a Meta" }).click();
  await expect(page.getByText("2 modelo(s) lidos da Meta.")).toBeVisible();
  const rows = page.getByTestId("linha-modelo");
  await expect(rows.filter({ hasText: "retomar_atendimento" })).toContainText("Aprovado");
  await expect(rows.filter({ hasText: "promocao_natal" })).toContainText("Conteúdo promocional fora da categoria Marketing");

  await page.getByTestId("novo-modelo").click();
  const form = page.getByTestId("form-modelo");
  await page.getByTestId("modelo-nome").fill("Cobrança Vencida");
  await page.getByTestId("modelo-texto").fill("{{1}}, sua fatura de {{2}} venceu.");
  await expect(form).toContainText("Use só letras minúsculas");
  await expect(form).toContainText("não pode começar nem terminar com um parâmetro");
  await expect(page.getByTestId("enviar-modelo")).toBeDisabled();

  await page.getByTestId("modelo-nome").fill("cobranca_vencida");
  await page.getByTestId("modelo-texto").fill("Olá, {{1}}! Sua fatura de {{2}} venceu. Quer negociar agora?");
  await page.getByTestId("modelo-exemplo-0").fill("Maria");
  await page.getByTestId("modelo-exemplo-1").fill("R$ 150,20");
  await page.getByTestId("modelo-cabecalho").selectOption("texto");
  await page.getByTestId("modelo-cabecalho-texto").fill("Fatura em aberto");
  await page.getByTestId("modelo-rodape").fill("Responda SAIR para não receber mais");
  await page.getByTestId("modelo-add-resposta").click();
  await page.getByTestId("modelo-botao").locator("input").first().fill("Negociar");
  const preview = page.getByTestId("modelo-previa");
  await expect(preview).toContainText("Olá, Maria! Sua fatura de R$ 150,20 venceu.");
  await expect(preview).toContainText("Fatura em aberto");
  await expect(preview).toContainText("Negociar");
  await expect(page.getByTestId("modelo-problemas")).toHaveText("Dentro dos limites da Meta.");
  await shot(page, "templates-01-form");

  await page.getByTestId("enviar-modelo").click();
  await expect(page.getByText(/enviado para a análise da Meta/)).toBeVisible();
  const mine = rows.filter({ hasText: "cobranca_vencida" });
  await expect(mine).toContainText("Em análise");
  expect(graph.created).toHaveLength(1);
  expect(graph.created[0].components.find((c) => c.type === "BODY").example.body_text).toEqual([["Maria", "R$ 150,20"]]);

  // Meta approves: the page shows it without a reload.
  await metaWebhook(request, {
    event: "APPROVED", message_template_id: Number(graph.created[0].id), message_template_name: "cobranca_vencida",
    message_template_language: "pt-BR", reason: "NONE", message_template_category: "UTILITY",
  });
  await expect(mine.getByTestId("estado-modelo")).toHaveText("Aprovado", { timeout: 15_000 });
  await shot(page, "templates-02-list");

  const metaId = graph.created[0].id;
  page.once("dialog", (d) => d.accept());
  await mine.getByRole("button", { name: "Excluir" }).click();
  await expect(rows.filter({ hasText: "cobranca_vencida" })).toHaveCount(0);
  expect(graph.deleted[0]).toEqual({ name: "cobranca_vencida", hsm_id: metaId });
});

test("a quick reply starts a flow or opts the customer out, set on any template", async ({ page }) => {
  await login(page, DEMO.email, DEMO.password);
  await expect(page).not.toHaveURL(/\/entrar/);
  await page.goto("/modelos");
  await hydrated(page);
  // The demo's collection template lives on the simulated WhatsApp channel.
  await page.getByLabel("Canal").selectOption({ label: "Demonstração · WhatsApp" });
  const row = page.getByTestId("linha-modelo").filter({ hasText: "aviso_debito_vencido" });
  await expect(row).toContainText("Aprovado");
  await expect(row.getByTestId("acao-modelo")).toHaveText([
    /"Negociar": Inicia o fluxo "Negociação de débitos"/,
    /"Parar de receber": Descadastra de mensagens de marketing/,
  ]);
  await row.getByTestId("botoes-modelo").click();
  const editor = page.getByTestId("acoes-botoes");
  const selects = editor.getByTestId("acao-botao");
  await expect(selects).toHaveCount(2);
  await expect(selects.nth(0)).toHaveValue("flow:negociacao");
  await expect(selects.nth(1)).toHaveValue("optout");
  await shot(page, "templates-03-quick-reply-actions");
  // "Negociar" now only lands in the conversation; saved, and the list says so.
  await selects.nth(0).selectOption("");
  await editor.getByTestId("salvar-acoes").click();
  await expect(page.getByText('Ações dos botões de "aviso_debito_vencido" salvas.')).toBeVisible();
  await expect(row.getByTestId("acao-modelo")).toHaveText([/"Parar de receber": Descadastra/]);
  // Back as the demo had it.
  await row.getByTestId("botoes-modelo").click();
  await page.getByTestId("acoes-botoes").getByTestId("acao-botao").nth(0).selectOption("flow:negociacao");
  await page.getByTestId("acoes-botoes").getByTestId("salvar-acoes").click();
  await expect(row.getByTestId("acao-modelo")).toHaveCount(2);
});
