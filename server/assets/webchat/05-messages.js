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
    if (msg.direction === "outbound" && isPixCode(text)) renderCopy(wrap, text.trim());
  }

  /** A PIX "copia e cola" code sent alone in its message (the bot does so). */
  function isPixCode(text) {
    const t = (text || "").trim();
    return /^000201[^\n]+6304[0-9A-Fa-f]{4}$/.test(t) && /br\.gov\.bcb\.pix/i.test(t);
  }

  /** A button that copies the code: the clipboard API where the page is secure, else a selection. */
  function renderCopy(wrap, code) {
    const row = el("div", { class: "chips" });
    const button = el("button", { type: "button", class: "chip" }, T.copyCode);
    button.addEventListener("click", () => {
      const done = () => {
        button.textContent = T.copied;
        setTimeout(() => { button.textContent = T.copyCode; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code).then(done, () => copyBySelection(code) && done());
      } else if (copyBySelection(code)) {
        done();
      }
    });
    row.appendChild(button);
    wrap.appendChild(row);
  }

  function copyBySelection(code) {
    const area = el("textarea", { readonly: "", style: "position:fixed;opacity:0" });
    area.value = code;
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    area.remove();
    return ok;
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

