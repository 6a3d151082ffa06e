const crypto = require("node:crypto");
const path = require("node:path");
const { expect } = require("@playwright/test");

const DEMO = { email: "demo@plataforma.com", password: "demo123" };

/** Saves a screenshot under target/e2e-screenshots (not committed). */
async function shot(page, name) {
  await page.screenshot({
    path: path.join(__dirname, "..", "..", "target", "e2e-screenshots", `${name}.png`),
    fullPage: true,
  });
}

/** Waits until the wasm bundle has hydrated the page, so clicks reach Rust handlers. */
async function hydrated(page) {
  await expect(page.locator("body[data-hydrated=true]")).toBeVisible();
}

async function login(page, email, password) {
  await page.goto("/entrar");
  await hydrated(page);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Senha").fill(password);
  await page.getByRole("button", { name: "Entrar" }).click();
}

async function logout(page) {
  await page.getByRole("button", { name: "Menu do usuário" }).click();
  await page.getByRole("menuitem", { name: "Sair" }).click();
  await expect(page).toHaveURL(/\/entrar$/);
}

function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 code, as an authenticator app computes it, `offset` steps from now. */
function totp(secretBase32, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = crypto.createHmac("sha1", base32Decode(secretBase32)).update(counter).digest();
  const o = hmac[hmac.length - 1] & 0x0f;
  const bin = ((hmac[o] & 0x7f) << 24) | (hmac[o + 1] << 16) | (hmac[o + 2] << 8) | hmac[o + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/** On Usuários (already open and hydrated), creates a user of Atendimento Geral. */
async function createUser(page, { name, email, role, password }) {
  await page.getByRole("button", { name: "Novo usuário" }).click();
  const form = page.getByRole("region", { name: "Novo usuário" });
  await form.getByLabel("Nome").fill(name);
  await form.getByLabel("E-mail").fill(email);
  await form.getByLabel("Papel").selectOption(role);
  await form.getByLabel("Senha inicial").fill(password);
  await form.getByLabel("Atendimento Geral").check();
  await form.getByRole("button", { name: "Criar usuário" }).click();
  await expect(page.getByText("Usuário criado.")).toBeVisible();
}

/** The simulator's message bubbles. */
const bubbles = (page) => page.getByTestId("sim-mensagem");

/** Types and sends a message in the simulator. */
async function say(page, text) {
  await page.getByTestId("sim-texto").fill(text);
  await page.getByTestId("sim-enviar").click();
}

/** Opens the last list's sheet in the simulator and sends the row titled `title`. */
async function pick(page, title) {
  await page.locator(".sim-lista-abrir").last().click();
  const sheet = page.getByTestId("sim-lista");
  await expect(sheet).toBeVisible();
  await sheet.locator("label", { hasText: title }).click();
  await sheet.getByTestId("sim-lista-enviar").click();
  await expect(sheet).toHaveCount(0);
}

/** Opens the demo simulator in a skin and waits for the phone. */
async function openDemo(page, skin = "whatsapp") {
  await page.goto(`/demonstracao?canal=${skin}`);
  await hydrated(page);
  await expect(page.getByTestId("celular")).toBeVisible();
}

/** Posts a signed WhatsApp webhook of Meta's template field (`message_template_status_update`
 * by default) for the business account `wabaId`, as Meta would. */
async function templateWebhook(request, value, { wabaId, secret, field = "message_template_status_update" }) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [{ id: wabaId, time: Math.floor(Date.now() / 1000), changes: [{ field, value }] }],
  });
  const signature = "sha256=" + crypto.createHmac("sha256", secret).update(body).digest("hex");
  const r = await request.post("/webhooks/whatsapp", {
    data: body,
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
  });
  expect(r.status()).toBe(200);
}

module.exports = { DEMO, shot, hydrated, login, logout, totp, createUser, bubbles, say, pick, openDemo, templateWebhook };
