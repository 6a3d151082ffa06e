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
    // Cut by characters (code points), as the server counts, never in the middle of an emoji.
    const item = { client_id: uuid(), text: Array.from(text).slice(0, MAX_TEXT).join(""), created_at: new Date().toISOString() };
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

