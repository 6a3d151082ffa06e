//! Builds the application from its configuration and runs it until asked to stop.

use crate::config::Config;
use crate::http;
use crate::jobs;
use anyhow::Context;
use app::{shell, App};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use backend::channels::graph::GraphClient;
use backend::channels::ChannelDirectory;
use backend::crypto::Secrets;
use backend::live::LiveBus;
use backend::wakers::Wakers;
use backend::{AppState, AuthSettings};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Postgres};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub struct Application {
    config: Config,
    state: AppState,
    leptos_options: LeptosOptions,
    listener: TcpListener,
    /// `METRICS_ADDR`: `/metrics` on its own address instead of the public one.
    metrics_listener: Option<TcpListener>,
}

/// The pages' router state: the backend's state plus what Leptos needs to render and serve the
/// site. Handlers extract either part.
#[derive(Clone, axum::extract::FromRef)]
pub struct WebState {
    pub app: AppState,
    pub leptos_options: LeptosOptions,
}

/// Cancelled on SIGINT or SIGTERM.
pub fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutdown requested: finishing requests and jobs in flight");
        trigger.cancel();
    });
    token
}

fn leptos_options(bind: SocketAddr) -> LeptosOptions {
    let env_or = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.into());
    let env = match std::env::var("LEPTOS_ENV").as_deref() {
        Ok("PROD") | Ok("prod") | Ok("production") => Env::PROD,
        _ => Env::DEV,
    };
    LeptosOptions::builder()
        .hash_files(hash_files())
        .output_name(env_or("LEPTOS_OUTPUT_NAME", "plataforma"))
        .site_root(env_or("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env_or("LEPTOS_SITE_PKG_DIR", "pkg"))
        .env(env)
        .site_addr(bind)
        .reload_port(
            env_or("LEPTOS_RELOAD_PORT", "3001")
                .parse::<u32>()
                .unwrap_or(3001),
        )
        .build()
}

/// Whether the site's files carry content hashes in their names: `LEPTOS_HASH_FILES` when set,
/// else whether cargo-leptos left its `hash.txt` beside this binary (it does for every build of
/// the site, with `hash-files` in the workspace metadata).
fn hash_files() -> bool {
    match std::env::var("LEPTOS_HASH_FILES") {
        Ok(v) => v == "true",
        Err(_) => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
            .is_some_and(|p| p.is_file()),
    }
}

/// Creates the database when it does not exist yet, then applies the migrations.
pub async fn prepare_database(database_url: &str) -> anyhow::Result<sqlx::PgPool> {
    use sqlx::migrate::MigrateDatabase;
    if !Postgres::database_exists(database_url)
        .await
        .context("Failed to reach PostgreSQL")?
    {
        match Postgres::create_database(database_url).await {
            Ok(()) => tracing::info!("database created"),
            // Another instance starting at the same moment created it first.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e).context("Failed to create the database"),
        }
    }
    let options = PgConnectOptions::from_str(database_url)
        .context("invalid DATABASE_URL")?
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    let pool = PgPoolOptions::new()
        .max_connections(32)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .context("Failed to connect to PostgreSQL")?;
    sqlx::migrate!("../migrations")
        .run(&pool)
        .await
        .context("Failed to apply migrations")?;
    Ok(pool)
}

/// Connects to PostgreSQL (creating and migrating the database) and Redis, and seeds the demo
/// data and the channels declared in the environment. Shared by the server and the commands.
pub async fn build_state(config: &Config) -> anyhow::Result<AppState> {
    config.check_production_keys()?;
    let pool = prepare_database(&config.database_url).await?;
    let redis_client =
        redis::Client::open(config.redis_url.as_str()).context("invalid REDIS_URL")?;
    let redis = redis::aio::ConnectionManager::new(redis_client)
        .await
        .context("Failed to connect to Redis")?;
    let secrets = Secrets::new(&config.encryption_key()?, &config.session_secret())?
        .with_previous(&config.previous_encryption_keys()?)?;
    let state = AppState {
        webhook_ingest: backend::webhooks::ingest::Ingest::start(pool.clone()),
        pool,
        redis,
        secrets: Arc::new(secrets),
        auth: Arc::new(AuthSettings {
            secure_cookies: config.public_url.starts_with("https://"),
            public_origin: config.public_origin(),
            session_idle: Duration::from_secs(config.session_idle_minutes * 60),
            session_absolute: Duration::from_secs(config.session_absolute_hours * 3600),
            max_failures_per_account: config.login_max_failures,
            max_failures_per_ip: config.login_max_failures_per_ip,
            lockout_window: Duration::from_secs(config.login_lockout_minutes * 60),
            trust_forwarded_for: config.trust_forwarded_for,
            redis_namespace: config.redis_namespace.clone(),
            demo_locked: config.demo_locked,
            anon_rate_limit_scale: config.anon_rate_limit_scale,
            webchat_idle: Duration::from_secs(config.webchat_visitor_idle_days.max(1) * 24 * 3600),
        }),
        demo: config.demo,
        channels: Arc::new(ChannelDirectory::new(config.demo)),
        graph: GraphClient::new(config.graph_settings())?,
        live: LiveBus::new(&config.redis_namespace),
        wakers: Arc::new(Wakers::default()),
        webhook_lanes: config
            .roles
            .runs_workers()
            .then(|| Arc::new(backend::webhooks::lanes())),
        webhook_statuses: Arc::default(),
        bot: Arc::new(backend::bot::BotRuntime::new(config.egress_policy()?)),
    };
    if config.demo {
        backend::seed::seed_demo(&state)
            .await
            .context("Failed to seed the demo data")?;
    }
    backend::services::channels::bootstrap(&state, &config.env_channels())
        .await
        .context("Failed to create the channels declared in the environment")?;
    Ok(state)
}

impl Application {
    /// Builds the state and binds the listener. Port 0 picks a free port (tests).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let state = build_state(&config).await?;
        if config.roles.serves_web() {
            announce_first_run(&state).await;
        }
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("Failed to listen on {}", config.bind_addr))?;
        let metrics_listener = match config.metrics_addr.as_deref().map(str::trim) {
            Some(addr) if !addr.is_empty() => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("Failed to listen on METRICS_ADDR {addr}"))?,
            ),
            _ => None,
        };
        let leptos_options = leptos_options(listener.local_addr()?);
        state.bot.set_own_port(listener.local_addr()?.port());
        Ok(Self {
            config,
            state,
            leptos_options,
            listener,
            metrics_listener,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port `/metrics` is served on apart, with `METRICS_ADDR`.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and runs workers, per the roles) until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Application {
            config,
            state,
            leptos_options,
            listener,
            metrics_listener,
        } = self;
        let metrics = metrics_listener.map(|listener| {
            let router = Router::new().route("/metrics", metrics_route(&config));
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let served = axum::serve(listener, router)
                    .with_graceful_shutdown(async move { stop.cancelled().await })
                    .await;
                if let Err(e) = served {
                    tracing::error!(error = ?e, "metrics listener failed");
                }
            })
        });
        let workers = config.roles.runs_workers().then(|| {
            let settings = jobs::WorkerSettings {
                redis_url: config.redis_url.clone(),
                namespace: config.redis_namespace.clone(),
                session_idle_seconds: state.auth.session_idle.as_secs() as i64,
                cleanup_every_minutes: config.session_cleanup_minutes,
                template_sync_schedule: config.template_sync_schedule.clone(),
            };
            let (worker_state, stop) = (state.clone(), shutdown.clone());
            tokio::spawn(async move {
                let result = jobs::run(worker_state, settings, stop).await;
                if let Err(e) = &result {
                    // Logged when it happens, not only at shutdown.
                    tracing::error!(error = ?e, "background workers stopped");
                }
                result
            })
        });

        if config.roles.serves_web() {
            tokio::spawn(
                state
                    .live
                    .clone()
                    .run(config.redis_url.clone(), shutdown.clone()),
            );
        }
        // Every instance runs the bot for the messages it stores, and distributes: assignments
        // are serialised in PostgreSQL.
        tokio::spawn(backend::bot::run_dispatcher(
            state.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(backend::distribution::run(state.clone(), shutdown.clone()));
        let background = config.roles.runs_workers().then(|| {
            (
                tokio::spawn(backend::webhooks::run_processor(
                    state.clone(),
                    shutdown.clone(),
                )),
                tokio::spawn(backend::outbox::run_outbox(state.clone(), shutdown.clone())),
                tokio::spawn(backend::bot::run_sweeper(state.clone(), shutdown.clone())),
            )
        });
        let router = router(state, leptos_options, &config, shutdown.clone());
        tracing::info!(
            address = %listener.local_addr()?,
            roles = ?config.roles,
            "Plataforma Omnichannel no ar"
        );
        let stop = shutdown.clone();
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .context("HTTP server failed")?;

        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        if let Some(workers) = workers {
            workers.await.context("worker task panicked")??;
        }
        if let Some((processor, outbox, sweeper)) = background {
            let _ = processor.await;
            let _ = outbox.await;
            let _ = sweeper.await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// With no active administrator (a new production install), prints the one-time link of the
/// first-run page.
async fn announce_first_run(state: &AppState) {
    match backend::services::setup::issue_link(state).await {
        Ok(Some(link)) => {
            tracing::warn!(%link, "no active administrator: open the first-run link to create one");
            eprintln!(
                "\n  Nenhum administrador ativo. Crie o primeiro neste link (vale uma vez, por 24 h):\n  {link}\n  Ou: server user create --email … --name … --role administrador\n"
            );
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = ?e, "first-run link not issued"),
    }
}

/// `/metrics`, behind `METRICS_TOKEN` when one is set.
fn metrics_route<S: Clone + Send + Sync + 'static>(
    config: &Config,
) -> axum::routing::MethodRouter<S> {
    get(http::metrics::render_guarded).with_state(
        config
            .metrics_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(std::sync::Arc::<str>::from),
    )
}

/// The whole HTTP surface. Worker-only instances still answer the probes and metrics.
pub fn router(
    state: AppState,
    leptos_options: LeptosOptions,
    config: &Config,
    shutdown: CancellationToken,
) -> Router {
    let mut ops = Router::new()
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz));
    if config
        .metrics_addr
        .as_deref()
        .is_none_or(|a| a.trim().is_empty())
    {
        ops = ops.route("/metrics", metrics_route(config));
    }
    // Install the recorder now, so metrics the workers record before the first scrape count.
    let _ = http::metrics::handle();

    let router = if config.roles.serves_web() {
        let routes = generate_route_list(App);
        let assets = http::assets::router(&leptos_options);
        let web = WebState {
            app: state.clone(),
            leptos_options: leptos_options.clone(),
        };
        let pages: Router<AppState> = Router::<WebState>::new()
            .leptos_routes_with_context(
                &web,
                routes,
                {
                    let state = state.clone();
                    move || provide_context(state.clone())
                },
                move || shell(leptos_options.clone()),
            )
            .fallback(leptos_axum::file_and_error_handler::<WebState, _>(shell))
            .with_state(web);
        let ui = pages
            .merge(assets)
            .merge(http::live::router(shutdown.clone()))
            .layer(from_fn_with_state(
                state.clone(),
                http::session::resolve_session,
            ))
            .layer(from_fn(http::limits::error_status))
            .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
            .layer(from_fn_with_state(
                config.max_body_bytes,
                http::limits::refuse_oversized,
            ));
        // Machine-facing surfaces: no session, no CSRF (they authenticate by signature, token
        // or allowed origin), JSON errors.
        let integrations = Router::new()
            .merge(http::webhooks::router())
            .merge(http::webchat::router(shutdown))
            .merge(http::api::router())
            .merge(http::mock_erp::router())
            .layer(DefaultBodyLimit::max(config.max_body_bytes))
            .layer(from_fn_with_state(
                config.max_body_bytes,
                http::json::limit_body,
            ));
        // Uploads: a session and CSRF like the pages; the handler reads at most the largest
        // file a channel takes.
        let uploads = http::attachments::upload_router().layer(from_fn_with_state(
            state.clone(),
            http::session::resolve_session,
        ));
        ops.merge(integrations)
            .merge(uploads)
            .merge(http::attachments::download_router())
            .merge(ui)
    } else {
        ops
    };
    router
        .layer(from_fn_with_state(
            http::policy::Policy::new(config.public_url.starts_with("https://")),
            http::policy::apply,
        ))
        .layer(from_fn(http::metrics::track))
        .layer(TraceLayer::new_for_http())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .with_state(state)
}
