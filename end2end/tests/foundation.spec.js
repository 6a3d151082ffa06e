const { test, expect } = require("@playwright/test");
const { DEMO, shot, hydrated, login, logout, totp, createUser } = require("./helpers");

test("the demo user logs in and sees the dashboard with real counts", async ({ page }) => {
  await login(page, DEMO.email, DEMO.password);

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Painel" })).toBeVisible();
  await expect(page.getByText("Usuários ativos")).toBeVisible();
  await expect(page.getByText("Atendentes disponíveis")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Navegação principal" })).toContainText("Usuários");
  await shot(page, "01-dashboard");
});

test("a failed login shows the Portuguese message and no session", async ({ page }) => {
  await login(page, DEMO.email, "senha-errada");

  await expect(page.getByRole("alert").filter({ hasText: "E-mail ou senha inválidos." })).toBeVisible();
  await expect(page).toHaveURL(/\/entrar$/);
  await shot(page, "02-login-failed");
});

test("an administrator creates an agent, who finds Usuários absent and refused", async ({ page }) => {
  const email = `agente.${Date.now()}@empresa.com.br`;
  await login(page, DEMO.email, DEMO.password);
  await expect(page.getByRole("heading", { name: "Painel" })).toBeVisible();
  await page.getByRole("link", { name: "Usuários" }).click();
  await expect(page.getByRole("heading", { name: "Usuários", exact: true })).toBeVisible();
  await hydrated(page);

  await createUser(page, { name: "Marcos Pereira", email, role: "agent", password: "senha-do-marcos" });
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row).toContainText("Marcos Pereira");
  await expect(row).toContainText("Atendente");
  await shot(page, "03-user-created");

  await logout(page);
  await login(page, email, "senha-do-marcos");
  // An agent lands on the conversations, not on the dashboard's counts.
  await expect(page).toHaveURL(/\/conversas$/);
  await expect(page.getByRole("heading", { name: "Conversas" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Navegação principal" });
  await expect(nav).toContainText("Painel");
  await expect(nav).not.toContainText("Usuários");
  await shot(page, "04-agent-menu");

  const refused = await page.goto("/usuarios");
  expect(refused.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Acesso negado" })).toBeVisible();
  await shot(page, "05-agent-refused");
});

test("a user enrols in 2FA and logs in with a generated code", async ({ page }) => {
  await login(page, "carla.mendes@plataforma.com", "demo123");
  await expect(page.getByRole("heading", { name: "Painel" })).toBeVisible();
  await page.goto("/perfil");
  await hydrated(page);

  await page.getByRole("button", { name: "Ativar verificação em duas etapas" }).click();
  await expect(page.getByRole("img", { name: "QR code para o aplicativo autenticador" })).toBeVisible();
  const secret = (await page.getByTestId("chave-totp").textContent()).trim();
  await shot(page, "06-totp-enrolment");
  await page.getByLabel("Código de 6 dígitos").fill(totp(secret));
  await page.getByRole("button", { name: "Confirmar e ativar" }).click();
  await expect(page.getByTestId("codigos-recuperacao").locator("li")).toHaveCount(10);
  await shot(page, "07-recovery-codes");
  await page.getByRole("button", { name: "Concluir" }).click();
  await expect(page.getByText("Ativa", { exact: true })).toBeVisible();
  await hydrated(page);

  await logout(page);
  await login(page, "carla.mendes@plataforma.com", "demo123");
  await expect(page.getByRole("heading", { name: "Verificação em duas etapas" })).toBeVisible();
  // The enrolment used the current time step; the next one is accepted too (clock drift window).
  await page.getByLabel("Código").fill(totp(secret, 1));
  await page.getByRole("button", { name: "Verificar" }).click();
  await expect(page.getByRole("heading", { name: "Painel" })).toBeVisible();
  await shot(page, "08-logged-in-with-2fa");
});

test("an empty login form marks both fields at once", async ({ page }) => {
  await page.goto("/entrar");
  await hydrated(page);
  await page.getByRole("button", { name: "Entrar" }).click();
  await expect(page.getByLabel("E-mail")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Senha")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Informe a senha.")).toBeVisible();
  await expect(page).toHaveURL(/\/entrar$/);
});
