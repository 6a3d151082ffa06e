use clap::Parser;
use server::config::{ApiTokenCommand, Command, Config, FlowCommand, KeysCommand, UserCommand};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    server::telemetry::init(config.log_format);
    if let Some(command) = config.command.clone() {
        return match run_command(&config, command).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Erro: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
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

async fn run_command(config: &Config, command: Command) -> anyhow::Result<()> {
    use backend::services::api_tokens;
    let state = server::startup::build_state(config).await?;
    // A refusal is told as the user would read it; a failure keeps its source.
    let fail = |e: backend::error::Error| match e {
        backend::error::Error::App(refusal) => anyhow::anyhow!(refusal.message()),
        failure => anyhow::Error::new(failure),
    };
    match command {
        Command::ApiToken(ApiTokenCommand::Create { name, scopes }) => {
            let chosen = if scopes.is_empty() {
                eprintln!(
                    "Sem --scope: o token terá todos os escopos (read, conversations, contacts, flows, campaigns, reports, admin)."
                );
                None
            } else {
                Some(
                    api_tokens::parse_scopes(scopes.iter().flat_map(|s| s.split(',')))
                        .map_err(fail)?,
                )
            };
            let created = api_tokens::create(&state, &name, None, chosen.as_deref())
                .await
                .map_err(fail)?;
            eprintln!(
                "Token \"{}\" criado. Guarde-o agora: ele não será mostrado de novo.",
                created.token.name
            );
            println!("{}", created.secret);
        }
        Command::ApiToken(ApiTokenCommand::List) => {
            for t in api_tokens::list(&state).await.map_err(fail)? {
                let status = if t.revoked_at.is_some() {
                    "revogado"
                } else {
                    "ativo"
                };
                let scopes: Vec<&str> = t.scopes.iter().map(|s| s.code()).collect();
                println!(
                    "{}\t{}…\t{}\t{}\t{}",
                    t.id,
                    t.prefix,
                    status,
                    t.name,
                    scopes.join(",")
                );
            }
        }
        Command::ApiToken(ApiTokenCommand::Revoke { id }) => {
            let id = id
                .parse()
                .map_err(|_| anyhow::anyhow!("id inválido: {id}"))?;
            api_tokens::revoke_by_command(&state, id)
                .await
                .map_err(fail)?;
            println!("Token revogado.");
        }
        Command::Flow(FlowCommand::List) => {
            for (key, name, version, seeded) in
                backend::bot::library::list(&state).await.map_err(fail)?
            {
                let origin = if seeded { "padrão" } else { "editado" };
                println!("{key}\tv{version}\t{origin}\t{name}");
            }
        }
        Command::Flow(FlowCommand::Export { key }) => {
            println!(
                "{}",
                backend::bot::library::export(&state, &key)
                    .await
                    .map_err(fail)?
            );
        }
        Command::User(UserCommand::Create {
            email,
            name,
            role,
            generate_password,
        }) => {
            use backend::services::setup;
            let role = setup::role_named(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "papel desconhecido \"{role}\": use administrador, supervisor ou atendente"
                )
            })?;
            let password = if generate_password {
                backend::crypto::random_token()[..20].to_owned()
            } else {
                server::terminal::new_password()?
            };
            setup::create_by_command(&state, &name, &email, role, &password)
                .await
                .map_err(fail)?;
            println!("Usuário {email} criado ({}).", role.label());
            if generate_password {
                println!("Senha (mostrada só agora): {password}");
            }
        }
        Command::Keys(KeysCommand::Reencrypt) => {
            let done = backend::services::keys::reencrypt(&state.pool, &state.secrets).await?;
            println!(
                "Recriptografados com a chave atual: {} usuário(s) com 2FA, {} canal(is), {} configuração(ões). \
                 Já pode tirar as chaves antigas de ENCRYPTION_KEY_PREVIOUS.",
                done.users, done.channels, done.settings
            );
        }
        Command::Flow(FlowCommand::Import { file }) => {
            let json = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("não foi possível ler {}: {e}", file.display()))?;
            let flow = backend::bot::library::import(&state, &json, None)
                .await
                .map_err(fail)?;
            println!("Fluxo \"{}\" ({}) importado.", flow.name, flow.key);
        }
    }
    Ok(())
}
