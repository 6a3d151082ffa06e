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
    await openStream();
  }

  function scheduleReconnect() {
    clearTimeout(liveTimer);
    if (navigator.onLine === false) return;
    liveTimer = setTimeout(reconnect, backoff(liveAttempt++));
  }

  /** Opens the stream with a one-time ticket: the visitor's token never goes in a URL. */
  async function openStream() {
    let ticket;
    try {
      ticket = (await request("POST", "/stream-ticket", {}, session.token)).ticket;
    } catch (e) {
      showBannerSoon();
      scheduleReconnect();
      return;
    }
    if (!liveWanted || source || unloading || !session) return;
    const url = API + "/events?ticket=" + encodeURIComponent(ticket) + "&after=" + lastSeq;
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

