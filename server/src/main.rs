use clap::Parser;
use server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    server::telemetry::init(config.log_format);
    let shutdown = server::startup::shutdown_on_signal();
    match server::startup::Application::build(config).await {
        Ok(app) => match app.run(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = ?e, "server stopped with an error");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            tracing::error!(error = ?e, "server failed to start");
            ExitCode::FAILURE
        }
    }
}
