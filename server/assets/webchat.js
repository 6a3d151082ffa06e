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
  const MAX_TEXT = 4096;
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
    unread: (n) => (n === 1 ? "1 nova mensagem" : n + " novas mensagens"),
  };

  // ---------------------------------------------------------------------------------------------
  // Small utilities

  function uuid() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not.
    const b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.prototype.map.call(b, (x) => (x + 0x100).toString(16).slice(1)).join("");
    return (
      h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20)
    );
  }

  function storageGet(area, key) {
    try {
      return window[area].getItem(key);
    } catch (e) {
      return null; // Storage disabled (privacy settings, sandboxed frames).
    }
  }

  function storageSet(area, key, value) {
    try {
      if (value === null) window[area].removeItem(key);
      else window[area].setItem(key, value);
    } catch (e) {
      /* The conversation then lasts as long as the page. */
    }
  }

  function safeColor(value) {
    return typeof value === "string" && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : DEFAULT_COLOR;
  }

  /** Black or white, whichever reads better on `hex`. */
  function contrastOn(hex) {
    let h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    const lin = [0, 2, 4].map((i) => {
      const v = parseInt(h.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return lum > 0.45 ? "#111827" : "#ffffff";
  }

  const timeFormat = new Intl.DateTimeFormat("pt-BR", { hour: "2-digit", minute: "2-digit" });

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach((k) => {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function httpUrl(value) {
    if (typeof value !== "string") return null;
    try {
      const u = new URL(value, BASE);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) {
      return null;
    }
  }

  /** Appends `text` to `parent` as text nodes, with http(s) addresses as links. */
  function appendLinkified(parent, text) {
    const re = /https?:\/\/[^\s<>"']+/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      let url = m[0];
      const trail = /[.,;:!?)\]]+$/.exec(url);
      if (trail) url = url.slice(0, -trail[0].length);
      const href = httpUrl(url);
      if (!href) continue;
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      parent.appendChild(el("a", { href: href, target: "_blank", rel: "noopener noreferrer nofollow" }, url));
      last = m.index + url.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status; // 0: no answer (network, CORS refusal).
      this.code = code;
    }
  }

  function transient(err) {
    return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
  }

  async function request(method, path, body, token) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let res;
    let data = null;
    try {
      res = await fetch(API + path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
      });
      if (res.status !== 204) {
        const raw = await res.text();
        if (raw) {
          try {
            data = JSON.parse(raw);
          } catch (e) {
            data = null;
          }
        }
      }
    } catch (e) {
      throw new ApiError(0, "network", T.network);
    }
    if (!res.ok) {
      const code = data && typeof data.code === "string" ? data.code : "http_" + res.status;
      const message = data && typeof data.message === "string" && data.message ? data.message : T.generic;
      throw new ApiError(res.status, code, message);
    }
    return data;
  }

  function backoff(attempt) {
    const base = Math.min(30000, 1000 * Math.pow(2, attempt));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  // ---------------------------------------------------------------------------------------------
  // Persistent state: {visitor_id, token, last_seq, outbox}

  let session = null; // {visitor_id, token}
  let storedLastSeq = 0; // last seq received in an earlier page view: newer outbound ones are unread
  let outbox = []; // [{client_id, text, reply_id, created_at}], sent one at a time, in order

  (function loadStore() {
    const raw = storageGet("localStorage", STORE_KEY);
    if (!raw) return;
    try {
      const s = JSON.parse(raw);
      if (s && typeof s.token === "string" && s.token) session = { visitor_id: s.visitor_id, token: s.token };
      if (s && typeof s.last_seq === "number") storedLastSeq = s.last_seq;
      if (s && Array.isArray(s.outbox)) {
        outbox = s.outbox.filter((o) => o && typeof o.client_id === "string" && typeof o.text === "string");
      }
    } catch (e) {
      /* Corrupt entry: start over. */
    }
  })();

  let lastSeq = 0; // highest seq shown in this page view

  function persist() {
    if (!session && !outbox.length) {
      storageSet("localStorage", STORE_KEY, null);
      return;
    }
    const s = { last_seq: Math.max(lastSeq, session ? storedLastSeq : 0) };
    if (session) {
      s.visitor_id = session.visitor_id;
      s.token = session.token;
    }
    if (outbox.length) s.outbox = outbox;
    storageSet("localStorage", STORE_KEY, JSON.stringify(s));
  }

  // ---------------------------------------------------------------------------------------------
  // UI

  const CSS = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --c: ${DEFAULT_COLOR}; --on-c: #ffffff;
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111827; -webkit-font-smoothing: antialiased; text-align: left;
}
button, input, textarea { font: inherit; color: inherit; margin: 0; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 60px; height: 60px;
  border: 0; border-radius: 50%; background: var(--c); color: var(--on-c); display: grid; place-items: center;
  box-shadow: 0 6px 20px rgba(0,0,0,.25); transition: transform .15s ease;
}
.launcher:hover { transform: scale(1.06); }
.launcher svg { width: 28px; height: 28px; }
.badge {
  position: absolute; top: -2px; right: -2px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
  background: #dc2626; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center;
  border: 2px solid #fff;
}
.panel {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 380px;
  height: min(640px, calc(100vh - 40px)); max-height: calc(100vh - 40px);
  display: flex; flex-direction: column; background: #fff; border-radius: 16px; overflow: hidden;
  box-shadow: 0 12px 48px rgba(0,0,0,.28); animation: omni-in .18s ease-out;
}
@keyframes omni-in { from { opacity: 0; transform: translateY(12px); } to { opacity: 1; transform: none; } }
@media (prefers-reduced-motion: reduce) { .panel { animation: none; } .launcher { transition: none; } }
@media (max-width: 480px) {
  .panel { inset: 0; width: auto; height: auto; max-height: none; border-radius: 0; }
  .launcher { right: 16px; bottom: 16px; }
}
.header {
  display: flex; align-items: center; gap: 8px; padding: 14px 12px 14px 18px; background: var(--c); color: var(--on-c);
}
.title { flex: 1; margin: 0; font-size: 17px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.icon-btn {
  width: 40px; height: 40px; border: 0; border-radius: 50%; background: transparent; color: inherit;
  display: grid; place-items: center; flex: none;
}
.icon-btn:hover { background: rgba(127,127,127,.2); }
.icon-btn svg { width: 22px; height: 22px; }
.banner { padding: 8px 14px; background: #fef3c7; color: #78350f; font-size: 13px; border-bottom: 1px solid #fde68a; }
.messages {
  flex: 1; overflow-y: auto; padding: 16px 14px; background: #f3f4f6; display: flex; flex-direction: column; gap: 10px;
  overscroll-behavior: contain;
}
.msg { display: flex; flex-direction: column; max-width: 82%; align-self: flex-start; }
.msg[data-direction="inbound"] { align-self: flex-end; align-items: flex-end; }
.msg.system { align-self: center; align-items: center; max-width: 90%; }
.bubble {
  padding: 9px 13px; border-radius: 16px 16px 16px 4px; background: #fff; color: #111827;
  white-space: pre-wrap; overflow-wrap: anywhere; box-shadow: 0 1px 1px rgba(0,0,0,.06);
}
.msg[data-direction="inbound"] .bubble { background: var(--c); color: var(--on-c); border-radius: 16px 16px 4px 16px; }
.msg.system .bubble { background: transparent; box-shadow: none; color: #4b5563; font-size: 13px; text-align: center; }
.bubble a { color: inherit; text-decoration: underline; }
.bubble img { display: block; max-width: 100%; max-height: 260px; border-radius: 10px; }
.msg[data-status="pending"] .bubble { opacity: .7; }
.msg[data-status="failed"] .bubble { opacity: .7; outline: 2px solid #dc2626; }
.meta { margin-top: 3px; font-size: 11px; color: #6b7280; padding: 0 4px; }
.msg[data-status="failed"] .meta { color: #b91c1c; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.chip {
  border: 1px solid var(--c); background: #fff; color: #111827; border-radius: 999px; padding: 6px 12px;
  font-size: 14px; text-align: left;
}
.chip:hover:not(:disabled) { background: #f0fdfa; }
.chip:disabled { opacity: .5; cursor: default; }
.chip small { display: block; color: #6b7280; font-size: 12px; }
.list { display: flex; flex-direction: column; gap: 6px; margin-top: 6px; width: 100%; }
.list .chip { border-radius: 10px; }
.section-title { margin: 4px 2px 0; font-size: 12px; font-weight: 600; color: #4b5563; text-transform: uppercase; }
.profile { padding: 6px 14px; border-top: 1px solid #e5e7eb; background: #fff; font-size: 13px; }
.link-btn { border: 0; background: none; padding: 4px 0; color: #1f2937; text-decoration: underline; font-size: 13px; }
.profile form { display: grid; gap: 8px; padding: 6px 0 4px; }
.profile label { display: grid; gap: 2px; font-weight: 600; font-size: 13px; }
.profile input {
  font-weight: 400; font-size: 16px; padding: 7px 9px; border: 1px solid #d1d5db; border-radius: 8px; background: #fff;
}
.primary {
  justify-self: start; border: 0; border-radius: 8px; padding: 7px 16px; background: var(--c); color: var(--on-c); font-weight: 600;
}
.primary:disabled { opacity: .6; cursor: default; }
.error { margin: 0; color: #b91c1c; }
.thanks { margin: 2px 0; color: #065f46; }
.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px; border-top: 1px solid #e5e7eb; background: #fff; }
.composer textarea {
  flex: 1; resize: none; min-height: 42px; max-height: 140px; padding: 10px 12px; border: 1px solid #d1d5db;
  border-radius: 20px; font-size: 16px; line-height: 1.3; background: #fff; overflow-y: auto;
}
.composer textarea:focus { border-color: var(--c); outline: none; box-shadow: 0 0 0 2px var(--c); }
.send {
  width: 42px; height: 42px; border: 0; border-radius: 50%; background: var(--c); color: var(--on-c);
  display: grid; place-items: center; flex: none;
}
.send:disabled { opacity: .45; cursor: default; }
.send svg { width: 20px; height: 20px; }
`;

  // Static markup only: every piece of data is filled in later with textContent.
  const TEMPLATE = `
<div class="root" lang="pt-BR">
  <button type="button" class="launcher" data-testid="launcher" aria-label="${T.open}" aria-haspopup="dialog"
    aria-expanded="false" aria-controls="panel">
    <svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM7 9h10v2H7zm6 5H7v-2h6z" fill-rule="evenodd"/></svg>
    <span class="badge" aria-hidden="true" hidden></span>
  </button>
  <section class="panel" id="panel" data-testid="panel" role="dialog" aria-modal="false" aria-labelledby="title" hidden>
    <div class="header">
      <h2 class="title" id="title"></h2>
      <button type="button" class="icon-btn close" data-testid="close" aria-label="${T.close}">
        <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>
      </button>
    </div>
    <div class="banner" data-testid="banner" role="status" hidden>${T.offline}</div>
    <div class="messages" data-testid="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="${T.messagesLabel}" tabindex="0"></div>
    <div class="profile">
      <button type="button" class="link-btn profile-toggle" aria-expanded="false" aria-controls="profile-form">${T.profileToggle}</button>
      <form class="profile-form" id="profile-form" novalidate hidden>
        <label for="profile-name">${T.name}</label>
        <input id="profile-name" name="name" type="text" autocomplete="name" maxlength="120">
        <label for="profile-email">${T.email}</label>
        <input id="profile-email" name="email" type="email" autocomplete="email" inputmode="email" maxlength="254">
        <p class="error" role="alert" hidden></p>
        <button type="submit" class="primary">${T.save}</button>
      </form>
      <p class="thanks" role="status" hidden>${T.profileSaved}</p>
    </div>
    <form class="composer">
      <textarea data-testid="input" rows="1" maxlength="${MAX_TEXT}" placeholder="${T.placeholder}" aria-label="${T.messageLabel}" enterkeyhint="send"></textarea>
      <button type="submit" class="send" data-testid="send" aria-label="${T.send}" disabled>
        <svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z"/></svg>
      </button>
    </form>
  </section>
</div>`;

  let ui = null; // filled by render()
  let config = null;
  let isOpen = false;
  let wantOpen = storageGet("sessionStorage", OPEN_KEY) === "1";
  let unread = 0;

  function render() {
    const host = document.createElement("div");
    host.id = "omni-webchat";
    // Inline !important beats the site's own rules on a bare div.
    host.setAttribute("style", "all: initial !important; display: block !important;");
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
    const tpl = document.createElement("template");
    tpl.innerHTML = TEMPLATE;
    root.appendChild(tpl.content);

    const q = (sel) => root.querySelector(sel);
    ui = {
      host: host,
      root: q(".root"),
      launcher: q(".launcher"),
      badge: q(".badge"),
      panel: q(".panel"),
      title: q(".title"),
      close: q(".close"),
      banner: q(".banner"),
      messages: q(".messages"),
      profileToggle: q(".profile-toggle"),
      profileForm: q(".profile-form"),
      profileName: q("#profile-name"),
      profileEmail: q("#profile-email"),
      profileError: q(".profile-form .error"),
      profileSave: q(".profile-form .primary"),
      thanks: q(".thanks"),
      composer: q(".composer"),
      input: q("textarea"),
      send: q(".send"),
    };

    const color = safeColor(config.color);
    ui.root.style.setProperty("--c", color);
    ui.root.style.setProperty("--on-c", contrastOn(color));
    ui.title.textContent = config.title || "Chat";

    if (config.greeting) {
      const g = el("div", { class: "msg", "data-testid": "greeting", "data-direction": "outbound" });
      const b = el("div", { class: "bubble" });
      b.appendChild(el("span", { class: "sr-only" }, (config.title || "Chat") + ": "));
      appendLinkified(b, String(config.greeting));
      g.appendChild(b);
      ui.messages.appendChild(g);
    }

    ui.launcher.addEventListener("click", () => open());
    ui.close.addEventListener("click", close);
    ui.panel.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.stopPropagation();
        close();
      }
    });
    ui.composer.addEventListener("submit", (ev) => {
      ev.preventDefault();
      submitComposer();
    });
    ui.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
        ev.preventDefault();
        submitComposer();
      }
    });
    ui.input.addEventListener("input", () => {
      autoGrow();
      ui.send.disabled = !ui.input.value.trim();
    });
    ui.profileToggle.addEventListener("click", () => toggleProfile());
    ui.profileForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      saveProfile();
    });

    document.body.appendChild(host);
    outbox.forEach((item) => showPending(item, navigator.onLine === false ? "waiting" : "sending"));
    if (navigator.onLine === false) showBanner();
    if (wantOpen) open(true);
  }

  function autoGrow() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight + 2, 140) + "px";
  }

  /** `restoring`: reopened after a navigation, so the page keeps its focus. */
  function open(restoring) {
    wantOpen = true;
    storageSet("sessionStorage", OPEN_KEY, "1");
    if (!ui || isOpen) return;
    isOpen = true;
    ui.panel.style.animation = restoring === true ? "none" : "";
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    updateBadge();
    scrollToBottom(true);
    if (session) startLive();
    // On touch screens, focusing would pop the keyboard over the greeting.
    const coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (restoring !== true && !coarse) ui.input.focus();
  }

  function close() {
    wantOpen = false;
    storageSet("sessionStorage", OPEN_KEY, null);
    if (!ui || !isOpen) return;
    isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    if (ui.host.shadowRoot.activeElement) ui.launcher.focus(); // focus was in the panel
  }

  function updateBadge() {
    ui.badge.hidden = unread === 0;
    ui.badge.textContent = unread > 9 ? "9+" : String(unread);
    ui.launcher.setAttribute("aria-label", unread ? T.open + " (" + T.unread(unread) + ")" : T.open);
  }

  function nearBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  }

  function scrollToBottom(force) {
    if (!ui || (!force && !nearBottom())) return;
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  let bannerTimer = null;

  function showBanner() {
    clearTimeout(bannerTimer);
    bannerTimer = null;
    if (ui) ui.banner.hidden = false;
  }

  /** Shows the banner unless the connection comes back within a moment (a routine reconnect). */
  function showBannerSoon() {
    if (bannerTimer || (ui && !ui.banner.hidden)) return;
    bannerTimer = setTimeout(showBanner, 2500);
  }

  function hideBanner() {
    clearTimeout(bannerTimer);
    bannerTimer = null;
    if (ui) ui.banner.hidden = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  const shown = new Map(); // message id -> element
  const shownSeq = new Set();
  const pendingEls = new Map(); // client_id -> element

  function bubbleFor(direction, system) {
    const wrap = el("div", {
      class: "msg" + (system ? " system" : ""),
      "data-testid": "message",
      "data-direction": direction,
    });
    const bubble = el("div", { class: "bubble" });
    bubble.appendChild(el("span", { class: "sr-only" }, (direction === "inbound" ? T.you : config.title || "Chat") + ": "));
    wrap.appendChild(bubble);
    return { wrap: wrap, bubble: bubble };
  }

  function metaFor(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    return el("time", { class: "meta", datetime: iso }, timeFormat.format(d));
  }

  function renderContent(bubble, wrap, msg) {
    const content = msg.content && typeof msg.content === "object" ? msg.content : {};
    const text = typeof msg.text === "string" ? msg.text : typeof content.text === "string" ? content.text : "";
    const kind = msg.kind;

    if (kind === "image" || kind === "sticker") {
      const src = httpUrl(content.url || content.link);
      if (src) {
        const a = el("a", { href: src, target: "_blank", rel: "noopener noreferrer nofollow" });
        a.appendChild(el("img", { src: src, alt: text || T.image, loading: "lazy", referrerpolicy: "no-referrer" }));
        bubble.appendChild(a);
      }
    } else if (kind === "document" || kind === "audio" || kind === "video") {
      const href = httpUrl(content.url || content.link);
      if (href) {
        bubble.appendChild(el("a", { href: href, target: "_blank", rel: "noopener noreferrer nofollow" }, content.filename || T.file));
        if (text) bubble.appendChild(document.createTextNode("\n"));
      }
    }

    if (typeof content.header === "string" && content.header) {
      bubble.appendChild(el("strong", null, content.header));
      bubble.appendChild(document.createTextNode("\n"));
    }
    if (text) appendLinkified(bubble, text);
    if (typeof content.footer === "string" && content.footer) {
      bubble.appendChild(document.createTextNode("\n"));
      bubble.appendChild(el("small", null, content.footer));
    }
    if (bubble.childNodes.length === 1) bubble.appendChild(document.createTextNode(T.unsupported));

    if (kind === "interactive" && msg.direction === "outbound") renderOptions(wrap, content);
  }

  /** Buttons or list rows as chips. Accepts {buttons}, {list: {button, sections}} or {button, sections}. */
  function renderOptions(wrap, content) {
    const buttons = Array.isArray(content.buttons) ? content.buttons : null;
    const list =
      content.list && typeof content.list === "object"
        ? content.list
        : Array.isArray(content.sections)
          ? { button: content.button, sections: content.sections }
          : null;

    const chip = (opt, description) => {
      const b = el("button", { type: "button", class: "chip" }, String(opt.title || ""));
      if (description) b.appendChild(el("small", null, String(description)));
      b.addEventListener("click", () => {
        if (b.disabled) return;
        sendText(String(opt.title || ""), String(opt.id));
      });
      return b;
    };

    if (buttons && buttons.length) {
      const box = el("div", { class: "chips", role: "group", "aria-label": T.options });
      buttons.forEach((opt) => {
        if (opt && opt.id !== undefined && opt.title) box.appendChild(chip(opt));
      });
      wrap.appendChild(box);
    } else if (list && Array.isArray(list.sections)) {
      const box = el("div", { class: "list", role: "group", "aria-label": T.options });
      const rows = el("div", { class: "list" });
      const toggle = el("button", { type: "button", class: "chip", "aria-expanded": "false" }, String(list.button || T.moreOptions));
      rows.hidden = true;
      toggle.addEventListener("click", () => {
        rows.hidden = !rows.hidden;
        toggle.setAttribute("aria-expanded", String(!rows.hidden));
        scrollToBottom(false);
      });
      list.sections.forEach((section) => {
        if (!section || !Array.isArray(section.rows)) return;
        if (section.title) rows.appendChild(el("p", { class: "section-title" }, String(section.title)));
        section.rows.forEach((row) => {
          if (row && row.id !== undefined && row.title) rows.appendChild(chip(row, row.description));
        });
      });
      box.appendChild(toggle);
      box.appendChild(rows);
      wrap.appendChild(box);
    }
  }

  /** Options stay clickable only on company messages the visitor has not answered yet. */
  function refreshOptions() {
    let answerable = true;
    const nodes = ui.messages.children;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node.getAttribute("data-direction") === "inbound" && node.getAttribute("data-status") !== "failed") {
        answerable = false;
      }
      node.querySelectorAll(".chip").forEach((chip) => {
        chip.disabled = !answerable;
      });
    }
  }

  /** Adds a stored message unless it is already shown; keeps the list ordered by seq. */
  function addMessage(msg, fromHistory) {
    if (!msg || typeof msg.id !== "string" || typeof msg.seq !== "number") return;
    if (shown.has(msg.id) || shownSeq.has(msg.seq)) return;
    if (msg.kind === "note" || (msg.content && msg.content.type === "note")) {
      advanceCursor(msg.seq); // never shown to visitors, but not fetched again either
      return;
    }

    // The stream may deliver the visitor's own message before the POST answers.
    let clientId = typeof msg.client_id === "string" ? msg.client_id : null;
    if (!clientId && inFlight && msg.direction === "inbound" && msg.text === inFlight.text) clientId = inFlight.client_id;
    if (clientId && pendingEls.has(clientId)) {
      pendingEls.get(clientId).remove();
      pendingEls.delete(clientId);
    }

    const direction = msg.direction === "inbound" ? "inbound" : "outbound";
    const parts = bubbleFor(direction, msg.author === "system");
    parts.wrap.setAttribute("data-seq", String(msg.seq));
    parts.wrap.setAttribute("data-id", msg.id);
    renderContent(parts.bubble, parts.wrap, msg);
    const meta = metaFor(msg.created_at);
    if (meta) parts.wrap.appendChild(meta);

    const stick = nearBottom() || direction === "inbound";
    // Confirmed messages go before the pending ones, in seq order.
    let before = null;
    const nodes = ui.messages.children;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      const s = node.getAttribute("data-seq");
      if (node.getAttribute("data-status") === "pending") {
        before = node;
        continue;
      }
      if (s !== null && Number(s) > msg.seq) {
        before = node;
        continue;
      }
      break;
    }
    ui.messages.insertBefore(parts.wrap, before);
    shown.set(msg.id, parts.wrap);
    shownSeq.add(msg.seq);

    advanceCursor(msg.seq);
    if (direction === "outbound" && !isOpen && (!fromHistory || msg.seq > storedLastSeq)) {
      unread++;
      updateBadge();
    }
    refreshOptions();
    scrollToBottom(stick);
  }

  function advanceCursor(seq) {
    if (seq <= lastSeq) return;
    lastSeq = seq;
    persist();
  }

  function clearMessages() {
    shown.forEach((node) => node.remove());
    shown.clear();
    shownSeq.clear();
    lastSeq = 0;
    storedLastSeq = 0;
  }

  function showPending(item, status) {
    const parts = bubbleFor("inbound", false);
    parts.wrap.setAttribute("data-status", "pending");
    parts.wrap.setAttribute("data-client-id", item.client_id);
    appendLinkified(parts.bubble, item.text);
    parts.wrap.appendChild(el("span", { class: "meta" }, status === "waiting" ? T.waiting : T.sending));
    ui.messages.appendChild(parts.wrap);
    pendingEls.set(item.client_id, parts.wrap);
    refreshOptions();
    scrollToBottom(true);
  }

  function setPendingStatus(clientId, status, error) {
    const node = pendingEls.get(clientId);
    if (!node) return;
    const meta = node.querySelector(".meta");
    if (status === "failed") {
      node.setAttribute("data-status", "failed");
      meta.textContent = T.notSent + " " + error;
      meta.setAttribute("role", "alert");
      pendingEls.delete(clientId);
    } else {
      meta.textContent = status === "waiting" ? T.waiting : T.sending;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Session, sending and catching up

  let sessionPromise = null;

  function ensureSession() {
    if (session) return Promise.resolve(session);
    if (!sessionPromise) {
      sessionPromise = request("POST", "/visitors", {})
        .then((data) => {
          if (!data || typeof data.token !== "string") throw new ApiError(500, "bad_response", T.generic);
          session = { visitor_id: data.visitor_id, token: data.token };
          storedLastSeq = 0;
          persist();
          startLive();
          return session;
        })
        .finally(() => {
          sessionPromise = null;
        });
    }
    return sessionPromise;
  }

  /** The token was refused: forget the visitor; a new one is created when needed. */
  function dropSession(refused) {
    if (!session || session.token !== refused) return;
    session = null;
    stopLive();
    clearMessages();
    hideBanner();
    persist();
    if (outbox.length) setTimeout(flush, 0); // starts over as a new visitor
  }

  /** A call with the visitor's token; on 401 starts over once as a new visitor. */
  async function authed(method, path, body) {
    let s = await ensureSession();
    try {
      return await request(method, path, body, s.token);
    } catch (e) {
      if (e.status !== 401) throw e;
      dropSession(s.token);
      s = await ensureSession();
      return request(method, path, body, s.token);
    }
  }

  function submitComposer() {
    const text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    ui.send.disabled = true;
    autoGrow();
    sendText(text, null);
  }

  function sendText(text, replyId) {
    const item = { client_id: uuid(), text: text.slice(0, MAX_TEXT), created_at: new Date().toISOString() };
    if (replyId !== null && replyId !== undefined) item.reply_id = replyId;
    outbox.push(item);
    persist();
    showPending(item, navigator.onLine === false ? "waiting" : "sending");
    flush();
  }

  let flushing = false;
  let inFlight = null; // the outbox item being posted
  let flushAttempt = 0;
  let flushTimer = null;

  /** Sends the outbox in order. Network failures keep the message pending for a retry. */
  async function flush() {
    if (flushing) return;
    clearTimeout(flushTimer);
    flushTimer = null;
    flushing = true;
    try {
      while (outbox.length) {
        if (navigator.onLine === false) {
          outbox.forEach((o) => setPendingStatus(o.client_id, "waiting"));
          return; // the `online` event flushes again
        }
        const item = outbox[0];
        setPendingStatus(item.client_id, "sending");
        const body = { text: item.text, client_id: item.client_id };
        if (item.reply_id !== undefined) body.reply_id = item.reply_id;
        let msg;
        inFlight = item;
        try {
          msg = await authed("POST", "/messages", body);
        } catch (e) {
          inFlight = null;
          if (transient(e)) {
            if (e.status === 0) showBannerSoon();
            outbox.forEach((o) => setPendingStatus(o.client_id, "waiting"));
            flushTimer = setTimeout(flush, backoff(flushAttempt++));
            return;
          }
          outbox.shift();
          persist();
          setPendingStatus(item.client_id, "failed", e.message);
          continue;
        }
        inFlight = null;
        flushAttempt = 0;
        if (connected || !liveWanted) hideBanner();
        outbox.shift();
        persist();
        const node = pendingEls.get(item.client_id);
        if (node) {
          node.remove();
          pendingEls.delete(item.client_id);
        }
        addMessage(msg, false);
      }
    } finally {
      flushing = false;
    }
  }

  let catchUpRunning = null;
  let catchUpAgain = false;

  /** Fetches every message after the last one shown. Resolves true when it reached the server. */
  function catchUp() {
    if (catchUpRunning) {
      catchUpAgain = true;
      return catchUpRunning;
    }
    catchUpRunning = (async () => {
      let ok = true;
      do {
        catchUpAgain = false;
        if (!session) return false;
        const token = session.token;
        try {
          // Pages until an empty answer, so the server may cap the page size.
          for (let page = 0; page < 100; page++) {
            const data = await request("GET", "/messages?after=" + lastSeq, undefined, token);
            const list = data && Array.isArray(data.messages) ? data.messages : [];
            const before = lastSeq;
            list.forEach((m) => addMessage(m, true));
            if (!list.length || lastSeq === before) break;
          }
          ok = true;
        } catch (e) {
          if (e.status === 401) dropSession(token);
          ok = false;
        }
      } while (catchUpAgain);
      return ok;
    })().finally(() => {
      catchUpRunning = null;
    });
    return catchUpRunning;
  }

  // ---------------------------------------------------------------------------------------------
  // Live updates (Server-Sent Events) and reconnection

  let source = null;
  let connected = false; // the stream is open
  let liveWanted = false;
  let liveAttempt = 0;
  let liveTimer = null;
  let unloading = false;

  function startLive() {
    if (liveWanted || !session) return;
    liveWanted = true;
    reconnect();
  }

  function stopLive() {
    liveWanted = false;
    clearTimeout(liveTimer);
    liveTimer = null;
    if (source) source.close();
    source = null;
    connected = false;
  }

  /** Catches up over plain HTTP (which also reveals a refused token), then opens the stream. */
  async function reconnect() {
    clearTimeout(liveTimer);
    liveTimer = null;
    if (!liveWanted || source || unloading) return;
    if (navigator.onLine === false) {
      showBanner();
      return; // the `online` event calls back
    }
    const ok = await catchUp();
    if (!liveWanted || source || unloading || !session) return;
    if (!ok) {
      showBannerSoon();
      scheduleReconnect();
      return;
    }
    openStream();
  }

  function scheduleReconnect() {
    clearTimeout(liveTimer);
    if (navigator.onLine === false) return;
    liveTimer = setTimeout(reconnect, backoff(liveAttempt++));
  }

  function openStream() {
    const url = API + "/events?token=" + encodeURIComponent(session.token) + "&after=" + lastSeq;
    const es = new EventSource(url);
    source = es;
    es.addEventListener("open", () => {
      if (source !== es) return;
      liveAttempt = 0;
      connected = true;
      hideBanner();
      catchUp(); // anything stored between the catch-up above and the subscription
      if (outbox.length) flush();
    });
    es.addEventListener("message", (ev) => {
      if (source !== es) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      addMessage(msg, false);
    });
    es.addEventListener("error", () => {
      if (source !== es) return;
      // Reconnect on our own schedule, with a fresh `after` and the token check of catchUp.
      es.close();
      source = null;
      connected = false;
      if (unloading || !liveWanted) return;
      showBannerSoon();
      scheduleReconnect();
    });
  }

  window.addEventListener("online", () => {
    liveAttempt = 0;
    flushAttempt = 0;
    if (liveWanted && !source) reconnect();
    else if (!liveWanted) hideBanner();
    if (outbox.length) flush();
  });

  window.addEventListener("offline", () => {
    showBanner();
    if (source) {
      source.close();
      source = null;
      connected = false;
    }
    clearTimeout(liveTimer);
    liveTimer = null;
    outbox.forEach((o) => setPendingStatus(o.client_id, "waiting"));
  });

  window.addEventListener("pagehide", (ev) => {
    if (ev.persisted) return; // back/forward cache: the page may come back
    unloading = true;
    if (source) source.close();
  });

  window.addEventListener("pageshow", (ev) => {
    if (!ev.persisted) return;
    unloading = false;
    if (liveWanted && !source) {
      liveAttempt = 0;
      reconnect();
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Profile

  function toggleProfile(show) {
    const visible = show === undefined ? ui.profileForm.hidden : show;
    ui.profileForm.hidden = !visible;
    ui.profileToggle.setAttribute("aria-expanded", String(visible));
    if (visible) {
      ui.thanks.hidden = true;
      ui.profileError.hidden = true;
      ui.profileName.focus();
    }
  }

  async function saveProfile() {
    const name = ui.profileName.value.trim();
    const email = ui.profileEmail.value.trim();
    ui.profileError.hidden = true;
    if (!name && !email) {
      ui.profileError.textContent = T.profileEmpty;
      ui.profileError.hidden = false;
      return;
    }
    ui.profileSave.disabled = true;
    try {
      await authed("POST", "/profile", { name: name, email: email });
      toggleProfile(false);
      ui.thanks.hidden = false;
      ui.profileToggle.focus();
    } catch (e) {
      ui.profileError.textContent = e.message;
      ui.profileError.hidden = false;
    } finally {
      ui.profileSave.disabled = false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Start

  window.OmniWebchat = Object.freeze({
    open: function () {
      open();
    },
    close: function () {
      close();
    },
  });

  let configAttempt = 0;

  async function loadConfig() {
    try {
      config = (await request("GET", "/config")) || {};
    } catch (e) {
      if (e.status === 0 && configAttempt < 5) {
        // Offline, or a refusal without CORS headers: try a few more times, then give up quietly.
        setTimeout(loadConfig, backoff(configAttempt++));
        return;
      }
      if (transient(e) && configAttempt < 5) {
        setTimeout(loadConfig, backoff(configAttempt++));
        return;
      }
      console.warn("[webchat] " + (e.status === 0 ? "Não foi possível carregar o chat." : e.message));
      return;
    }
    const start = () => {
      render();
      if (session) startLive();
      else if (outbox.length) flush();
    };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start, { once: true });
  }

  loadConfig();
})();
