  // ---------------------------------------------------------------------------------------------
  // UI

  const CSS = `
/*@STYLE@*/
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

