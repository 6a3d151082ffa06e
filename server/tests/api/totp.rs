//! Two-factor authentication: enrolment, login with a code, recovery codes, disabling, and the
//! per-role requirement.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::totp::TotpSecret;

fn code_now(secret_base32: &str, offset_steps: i64) -> String {
    let bytes = data_encoding_decode(secret_base32);
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    TotpSecret::from_bytes(bytes).code_at(now as u64)
}

fn data_encoding_decode(s: &str) -> Vec<u8> {
    // RFC 4648 base32 without padding, as authenticator apps read it.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u64;
        bits = (bits << 5) | v;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// Enrols `browser`'s user; returns the secret and the recovery codes.
async fn enrol(browser: &Browser) -> (String, Vec<String>) {
    let start = browser.call("profile/totp/start", &[]).await;
    assert_eq!(start.status(), StatusCode::OK);
    let enrolment: Value = start.json().await.unwrap();
    let secret = enrolment["secret_base32"].as_str().unwrap().to_owned();
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    assert!(enrolment["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let confirm = browser
        .call("profile/totp/confirm", &[("code", &code_now(&secret, 0))])
        .await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let codes: Vec<String> = confirm.json().await.unwrap();
    (secret, codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_issues_ten_recovery_codes_and_stores_the_secret_encrypted() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;

    let (secret, codes) = enrol(&browser).await;

    assert_eq!(codes.len(), 10);
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);
    let stored: Vec<u8> = sqlx::query_scalar("select totp_secret_enc from users where email = $1")
        .bind(AGENT_EMAIL)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let raw = data_encoding_decode(&secret);
    assert!(
        !stored.windows(raw.len()).any(|w| w == raw.as_slice()),
        "the secret is not stored in clear"
    );
    assert_eq!(browser.current_user().await["totp_enabled"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_does_not_confirm_enrolment() {
    let app = spawn_app().await;
    let browser = app.signed_in(AGENT_EMAIL).await;
    browser.call("profile/totp/start", &[]).await;

    let (status, body) = error_of(
        browser
            .call("profile/totp/confirm", &[("code", "000000")])
            .await,
    )
    .await;

    // 000000 can be right by chance once in a million; the assertion accepts only the error.
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, json!("InvalidTotpCode"));
    assert_eq!(browser.current_user().await["totp_enabled"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_2fa_asks_for_the_code_and_accepts_a_valid_one() {
    let app = spawn_app().await;
    let (secret, _) = enrol(&app.signed_in(AGENT_EMAIL).await).await;
    let browser = app.browser().await;

    let first = browser.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.json::<Value>().await.unwrap(), json!("TotpRequired"));
    assert!(browser.current_user().await.is_null(), "not signed in yet");
    let (status, body) = error_of(browser.call("dashboard/counts", &[]).await).await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, json!("Unauthenticated"))
    );

    let wrong = error_of(
        browser
            .call("session/verify-code", &[("code", "12345")])
            .await,
    )
    .await;
    assert_eq!(wrong, (StatusCode::UNAUTHORIZED, json!("InvalidTotpCode")));

    let pending_token = browser.cookie("omni_session").unwrap();
    let ok = browser
        .call("session/verify-code", &[("code", &code_now(&secret, 1))])
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(browser.current_user().await["email"], AGENT_EMAIL);
    assert_ne!(
        browser.cookie("omni_session").unwrap(),
        pending_token,
        "rotated again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_code_cannot_be_replayed() {
    let app = spawn_app().await;
    let enroller = app.signed_in(AGENT_EMAIL).await;
    let (secret, _) = enrol(&enroller).await;
    // The enrolment consumed the current step; use the next one once.
    let code = code_now(&secret, 1);
    let first = app.browser().await;
    first.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(
        first
            .call("session/verify-code", &[("code", &code)])
            .await
            .status(),
        StatusCode::OK
    );

    let second = app.browser().await;
    second.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    let replay = error_of(second.call("session/verify-code", &[("code", &code)]).await).await;
    assert_eq!(replay, (StatusCode::UNAUTHORIZED, json!("InvalidTotpCode")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let (_, codes) = enrol(&app.signed_in(AGENT_EMAIL).await).await;
    let code = codes[3].to_uppercase();

    let b = app.browser().await;
    b.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(
        b.call("session/verify-code", &[("code", &code)])
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(b.current_user().await["email"], AGENT_EMAIL);

    let again = app.browser().await;
    again.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    let reuse = error_of(again.call("session/verify-code", &[("code", &code)]).await).await;
    assert_eq!(reuse, (StatusCode::UNAUTHORIZED, json!("InvalidTotpCode")));
    let used: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'recovery_code_used'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(used, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_2fa_needs_the_password_and_a_current_code() {
    let app = spawn_app().await;
    let b = app.signed_in(AGENT_EMAIL).await;
    let (_, codes) = enrol(&b).await;

    let wrong = error_of(
        b.call(
            "profile/totp/disable",
            &[("password", "nao-e-essa"), ("code", &codes[0])],
        )
        .await,
    )
    .await;
    assert_eq!(wrong, (StatusCode::UNAUTHORIZED, json!("WrongPassword")));
    // The password alone (a session left open) does not remove the second factor.
    let no_code = error_of(
        b.call(
            "profile/totp/disable",
            &[("password", DEMO_PASSWORD), ("code", "000000")],
        )
        .await,
    )
    .await;
    assert_eq!(
        no_code,
        (StatusCode::UNAUTHORIZED, json!("InvalidTotpCode"))
    );
    assert_eq!(b.current_user().await["totp_enabled"], true);

    let ok = b
        .call(
            "profile/totp/disable",
            &[("password", DEMO_PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(b.current_user().await["totp_enabled"], false);
    let fresh = app.browser().await;
    let login = fresh.login(AGENT_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(login.json::<Value>().await.unwrap(), json!("SignedIn"));
}

/// Guessing the current password from a signed-in session is counted like logins: past the
/// limit the account is locked, even for the right password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_password_check_is_throttled_like_the_login() {
    let app = spawn_app().await;
    let b = app.signed_in(AGENT_EMAIL).await;
    for _ in 0..app.state.auth.max_failures_per_account {
        let r = b
            .call(
                "profile/password",
                &[
                    ("current_password", "chute-errado"),
                    ("new_password", "nova-senha-123"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let (status, body) = error_of(
        b.call(
            "profile/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "nova-senha-123"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_2fa_confines_unenrolled_users_to_their_profile_but_not_demo_users() {
    let app = spawn_app().await;
    let admin = app.signed_in(DEMO_EMAIL).await;
    let saved = admin
        .call(
            "settings/security/save",
            &[
                ("require_totp_admin", "true"),
                ("require_totp_supervisor", "false"),
                ("require_totp_agent", "true"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    // A non-demo agent, created by the administrator.
    let created = admin
        .call_json(
            "users/create",
            &json!({
                "form": {"name": "Paula Souza", "role": "agent", "capacity": 5, "teams": []},
                "email": "paula.souza@empresa.com.br",
                "password": "senha-forte-1"
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);

    let agent = app.browser().await;
    assert_eq!(
        agent
            .login("paula.souza@empresa.com.br", "senha-forte-1")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(agent.current_user().await["must_enrol_totp"], true);
    let blocked = error_of(agent.call("dashboard/counts", &[]).await).await;
    assert_eq!(
        blocked,
        (StatusCode::FORBIDDEN, json!("TotpEnrolmentRequired"))
    );
    enrol(&agent).await;
    assert_eq!(
        agent.call("dashboard/counts", &[]).await.status(),
        StatusCode::OK
    );

    // The demo administrator is exempt even though administrators require 2FA.
    assert_eq!(admin.current_user().await["must_enrol_totp"], false);
    assert_eq!(
        admin.call("dashboard/counts", &[]).await.status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_second_factor_cannot_be_replaced_without_the_password() {
    let app = spawn_app().await;
    let b = app.signed_in(AGENT_EMAIL).await;
    enrol(&b).await;

    let again = error_of(b.call("profile/totp/start", &[]).await).await;

    assert_eq!(again, (StatusCode::CONFLICT, json!("TotpAlreadyEnabled")));
}
