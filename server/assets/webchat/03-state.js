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

