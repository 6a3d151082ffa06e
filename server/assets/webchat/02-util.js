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

