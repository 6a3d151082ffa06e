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
