use std::process::ExitCode;

use clap::{Parser, Subcommand};
use parkportal::{Application, Settings, db, telemetry};

/// Parkportal: parking permits for the hospital car parks of Region Västmanland.
///
/// Settings come from environment variables (or a `.env` file); see README.md.
#[derive(Parser)]
#[command(name = "parkportal", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default).
    Serve,
    /// Create or upgrade the database, then exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, with the cause chain, never a panic trace.
            eprintln!("parkportal: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        anyhow::bail!("cannot read .env: {e}");
    }
    let settings = Settings::from_env()?;
    telemetry::init()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }),
        Command::Migrate => {
            let pool = db::connect_pool(&settings.database_url)?;
            db::prepare(&pool)?;
            println!(
                "database {} is up to date",
                settings.database_url.redacted()
            );
            Ok(())
        }
    }
}
