use std::process::ExitCode;

use clap::{Parser, Subcommand};
use parkportal::{Application, Settings, admin, db, telemetry};

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
    /// Create a confirmed admin account; the password is read as one line from standard input.
    ///
    /// Example: `printf '%s\n' "$PASSWORD" | parkportal create-admin --email a@x.se --name "A B"`.
    /// If the e-mail already has an account, `--yes` makes that account an admin (its password
    /// becomes the one given); without `--yes` the command refuses.
    ///
    /// `--reset-mfa` instead resets the second factor of that staff account (the last admin
    /// who lost their phone): no password is read; they set it up again at their next login.
    CreateAdmin {
        /// The admin's e-mail address (the login).
        #[arg(long)]
        email: String,
        /// The admin's name.
        #[arg(long, required_unless_present = "reset_mfa")]
        name: Option<String>,
        /// Make an existing account with this e-mail an admin.
        #[arg(long)]
        yes: bool,
        /// Reset the second factor (TOTP) of this staff account instead.
        #[arg(long, conflicts_with = "yes")]
        reset_mfa: bool,
    },
    /// Ask the running server on this machine (`BIND_ADDR`'s port) for `GET /health`: exit 0
    /// when it answers 200 within 2 s (Docker's HEALTHCHECK; the image has no curl).
    Health,
}

fn main() -> ExitCode {
    parkportal::memory::configure();
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
        Command::Health => health(settings.bind_addr),
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
            tracing::info!("stopped");
            Ok(())
        }),
        Command::Migrate => {
            let mut conn = db::connect_once(&settings.database_url)?;
            db::prepare_connection(&mut conn)?;
            println!(
                "database {} is up to date",
                settings.database_url.redacted()
            );
            Ok(())
        }
        Command::CreateAdmin {
            email,
            reset_mfa: true,
            ..
        } => {
            let mut conn = db::connect_once(&settings.database_url)?;
            db::prepare_connection(&mut conn)?;
            let user_id = admin::reset_second_factor(&mut conn, &email)?;
            println!(
                "the second factor of account {user_id} ({}) is reset; it is set up again at the next login",
                email.trim()
            );
            Ok(())
        }
        Command::CreateAdmin {
            email, name, yes, ..
        } => {
            let name = name.unwrap_or_default();
            use std::io::IsTerminal;
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("Password (the line is shown as typed; pipe it in to hide it): ");
            }
            let password_line = admin::read_password_line(&mut stdin.lock())?;
            let mut conn = db::connect_once(&settings.database_url)?;
            db::prepare_connection(&mut conn)?;
            match admin::create_admin(
                &mut conn,
                &settings.employee_email_domain,
                &email,
                &name,
                &password_line,
                yes,
            )? {
                admin::AdminOutcome::Created { user_id } => {
                    println!("admin account {user_id} created for {}", email.trim())
                }
                admin::AdminOutcome::Promoted { user_id, was } => {
                    println!(
                        "account {user_id} ({}) is now admin (was {was})",
                        email.trim()
                    )
                }
            }
            Ok(())
        }
    }
}

/// One `GET /health` over a plain socket to the bound port (the loopback address when bound to
/// every interface).
fn health(bind: std::net::SocketAddr) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let limit = std::time::Duration::from_secs(2);
    let addr = SocketAddr::new(ip, bind.port());
    let mut stream = TcpStream::connect_timeout(&addr, limit)
        .map_err(|e| anyhow::anyhow!("no answer on {addr}: {e}"))?;
    stream.set_read_timeout(Some(limit))?;
    stream.set_write_timeout(Some(limit))?;
    stream.write_all(b"GET /health HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..n]);
    let status = line.lines().next().unwrap_or_default();
    anyhow::ensure!(status.split(' ').nth(1) == Some("200"), "{addr}: {status}");
    println!("{addr}: ok");
    Ok(())
}
