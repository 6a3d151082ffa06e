/*
 * Omnichannel webchat widget. A website embeds it with
 *   <script src="https://PLATFORM/webchat.js" data-channel="CHANNEL_UUID" async></script>
 *
 * Plain ES2019 with no dependencies. Everything lives in a Shadow DOM so the site's CSS cannot
 * reach the widget and the widget's CSS cannot leak out. Text from visitors and agents is only
 * ever set through textContent. The only global is window.OmniWebchat = { open(), close() }.
 *
 * Protocol (all under {BASE}/webchat/v1/{CHANNEL}):
 *   GET  /config                      title, colour and greeting; 403 when this origin is not allowed
 *   POST /visitors                    a visitor and its bearer token, kept in localStorage
 *   GET  /messages?after=SEQ          history and catch-up, oldest first
 *   POST /messages                    {text, client_id, reply_id?}; client_id makes retries idempotent
 *   POST /profile                     {name, email}
 *   GET  /events?token=T&after=SEQ    Server-Sent Events, `event: message`, `id: SEQ`
 */
(function () {
  "use strict";

  if (window.OmniWebchat) return; // Embedded twice: the first copy wins.

  const script =
    document.currentScript ||
    document.querySelector('script[data-channel][src*="webchat.js"]');
  if (!script) return;
  const CHANNEL = (script.getAttribute("data-channel") || "").trim();
  let BASE;
  try {
    BASE = new URL(script.src, window.location.href).origin;
  } catch (e) {
    return;
  }
  if (!CHANNEL) {
    console.warn("[webchat] O atributo data-channel está ausente na tag do script.");
    return;
  }

  const API = BASE + "/webchat/v1/" + encodeURIComponent(CHANNEL);
  const STORE_KEY = "omni-webchat:" + CHANNEL;
  const OPEN_KEY = STORE_KEY + ":open";
  // Filled in by the server with the limit it enforces (characters, as Rust counts them).
  const MAX_TEXT = __WEBCHAT_MAX_TEXT__;
  const DEFAULT_COLOR = "#0f766e";

  const T = {
    open: "Abrir chat",
    close: "Fechar chat",
    send: "Enviar",
    placeholder: "Digite sua mensagem…",
    messageLabel: "Mensagem",
    messagesLabel: "Mensagens",
    offline: "Sem conexão. Tentando reconectar…",
    profileToggle: "Informar nome e e-mail",
    name: "Nome",
    email: "E-mail",
    save: "Salvar",
    profileSaved: "Obrigado! Seus dados foram salvos.",
    profileEmpty: "Informe seu nome ou e-mail.",
    you: "Você",
    sending: "Enviando…",
    waiting: "Aguardando conexão…",
    notSent: "Não enviada.",
    network: "Não foi possível conectar. Verifique sua internet.",
    generic: "Algo deu errado. Tente novamente.",
    image: "Imagem",
    file: "Abrir arquivo",
    unsupported: "Mensagem não suportada neste chat.",
    options: "Opções de resposta",
    moreOptions: "Ver opções",
    copyCode: "Copiar código",
    copied: "Código copiado!",
    unread: (n) => (n === 1 ? "1 nova mensagem" : n + " novas mensagens"),
  };

