//! The Azure CLI credential: reuses `az`'s sign-in the way azure-identity's
//! `AzureCliCredential` does. `az account get-access-token --output json --resource R
//! [--tenant T]` runs as an argument vector (never a shell string), in the system directory,
//! with a time limit; its JSON (`accessToken`, `expires_on` or `expiresOn`, `tenant`) is read
//! and its failures are said in plain words. Tokens from `az` are never stored by Elevate.

use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, Utc};
use serde_json::Value;

use super::credential::{epoch, resource_uri, AccessToken};
use super::types::Resource;
use crate::config::Resolved;
use crate::error::Error;
use crate::secret::Secret;

/// How long `az` may take (azure-identity waits 10 s by default).
pub const AZ_TIMEOUT: Duration = Duration::from_secs(10);

pub struct AzureCli {
    /// The tenant asked for (`--tenant`), when one is configured.
    pub tenant: Option<String>,
    pub timeout: Duration,
    /// The program: `az` from PATH.
    pub program: String,
}

/// What `az account get-access-token` answered.
#[derive(Debug)]
pub struct AzToken {
    pub token: Secret,
    pub expires: DateTime<Utc>,
    pub tenant: Option<String>,
}

/// Reads `az account get-access-token --output json`. `expires_on` (seconds since the epoch,
/// az 2.54 and later) wins over `expiresOn` (a local time without zone, older versions).
pub fn parse_az_output(stdout: &str) -> Result<AzToken, Error> {
    let bad = |why: &str| {
        Error::Network(format!(
            "az answered something Elevate cannot read ({why}); update the Azure CLI (az upgrade) or choose another --auth"
        ))
    };
    let v: Value = serde_json::from_str(stdout.trim()).map_err(|_| bad("not JSON"))?;
    let token = v["accessToken"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no accessToken"))?;
    let from_epoch = match &v["expires_on"] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .and_then(epoch);
    let from_local = v["expiresOn"].as_str().and_then(|s| {
        NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .and_then(|n| n.and_local_timezone(Local).earliest())
            .map(|t| t.with_timezone(&Utc))
    });
    let expires = from_epoch
        .or(from_local)
        .ok_or_else(|| bad("no expires_on or expiresOn"))?;
    Ok(AzToken {
        token: Secret::new(token),
        expires,
        tenant: v["tenant"].as_str().map(str::to_string),
    })
}

/// `az`'s failure in plain words, with what to do.
pub fn explain_az_error(stderr: &str, tenant: Option<&str>) -> Error {
    let text = stderr.trim();
    let lower = text.to_ascii_lowercase();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_start_matches("ERROR: ")
        .to_string();
    let login = match tenant {
        Some(t) => format!("az login --tenant {t}"),
        None => "az login".to_string(),
    };
    if lower.contains("is not recognized as an internal or external command")
        || lower.contains("az: not found")
        || lower.contains("command not found")
    {
        return not_installed();
    }
    if lower.contains("aadsts50020")
        || lower.contains("aadsts90002")
        || lower.contains("aadsts700016")
        || lower.contains("no subscription found for")
        || (lower.contains("tenant") && lower.contains("not found"))
        || lower.contains("does not exist in tenant")
    {
        return Error::SignInRequired(format!(
            "The Azure CLI is not signed in to tenant {}: run `{login}` (az said: {first})",
            tenant.unwrap_or("(the one asked for)")
        ));
    }
    if lower.contains("az login") || lower.contains("please run") || lower.contains("not logged in")
    {
        return Error::SignInRequired(format!(
            "The Azure CLI is not signed in: run `{login}`, then try again (az said: {first})"
        ));
    }
    Error::SignInRequired(format!(
        "The Azure CLI could not give a token: {first}. Check `az account show`, or run `{login}`"
    ))
}

fn not_installed() -> Error {
    Error::Unsupported(
        "The Azure CLI (az) is not installed or not on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and run `az login`, or choose another --auth".into(),
    )
}

/// A tenant as `--tenant` takes it: letters, digits, dots and hyphens (a GUID or a domain).
fn check_tenant(t: &str) -> Result<(), Error> {
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(Error::InvalidInput(format!(
            "the tenant '{t}' is not a tenant id or domain (letters, digits, '.' and '-' only)"
        )));
    }
    Ok(())
}

impl AzureCli {
    pub fn new(tenant: Option<String>) -> AzureCli {
        AzureCli {
            tenant,
            timeout: AZ_TIMEOUT,
            program: "az".into(),
        }
    }

    /// The argument vector after the program's name.
    pub fn args(&self, resource: &str) -> Result<Vec<String>, Error> {
        let mut args: Vec<String> = [
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            resource,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(t) = &self.tenant {
            check_tenant(t)?;
            args.extend(["--tenant".to_string(), t.clone()]);
        }
        Ok(args)
    }

    pub async fn get_token(
        &self,
        cfg: &Resolved,
        resource: Resource,
        claims: Option<&str>,
    ) -> Result<AccessToken, Error> {
        let uri = resource_uri(cfg, resource);
        if let Some(c) = claims {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD.encode(c);
            let tenant = self
                .tenant
                .as_deref()
                .map(|t| format!(" --tenant {t}"))
                .unwrap_or_default();
            return Err(Error::SignInRequired(format!(
                "The service asks for a stronger sign-in (a claims challenge: MFA, an authentication context or a revoked session) that the Azure CLI must satisfy: run `az login{tenant} --scope {}.default --claims-challenge {b64}`, then try again",
                uri.trim_end_matches('/').to_string() + "/"
            )));
        }
        let args = self.args(&uri)?;
        let mut cmd = if cfg!(windows) {
            // az is az.cmd on Windows: cmd runs it (the arguments were checked above).
            let mut c = tokio::process::Command::new("cmd");
            c.arg("/d").arg("/c").arg(&self.program);
            c
        } else {
            tokio::process::Command::new(&self.program)
        };
        cmd.args(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        // Not the current directory: nothing there is run by mistake.
        let dir = std::env::var_os("SYSTEMROOT")
            .filter(|_| cfg!(windows))
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("/"));
        cmd.current_dir(dir);
        tracing::debug!(resource = %uri, "asking the Azure CLI for a token");
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_installed()),
            Err(e) => return Err(Error::io("starting the Azure CLI (az)", e)),
        };
        let out = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => return Err(Error::io("running the Azure CLI (az)", e)),
            Err(_) => {
                return Err(Error::Network(format!(
                    "The Azure CLI (az) did not answer within {} s; check that `az account get-access-token` works in a terminal, or choose another --auth",
                    self.timeout.as_secs()
                )))
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(explain_az_error(&stderr, self.tenant.as_deref()));
        }
        let parsed = parse_az_output(&String::from_utf8_lossy(&out.stdout))?;
        if let (Some(want), Some(got)) = (&self.tenant, &parsed.tenant) {
            let domain = want.contains('.');
            if !domain && !want.eq_ignore_ascii_case(got) {
                return Err(Error::SignInRequired(format!(
                    "The Azure CLI gave a token for tenant {got}, not {want}: run `az login --tenant {want}`"
                )));
            }
        }
        Ok(AccessToken {
            token: parsed.token,
            expires: parsed.expires,
            tenant: parsed.tenant,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_output_parses_or_is_refused_without_panicking(s in "\\PC{0,400}") {
            let _ = parse_az_output(&s);
        }

        #[test]
        fn epoch_expiry_round_trips(secs in 1_000_000_000i64..4_000_000_000i64, tok in "[A-Za-z0-9._-]{1,80}") {
            let out = serde_json::json!({"accessToken": tok, "expires_on": secs, "tenant": "t", "tokenType": "Bearer"}).to_string();
            let p = parse_az_output(&out).expect("parsed");
            proptest::prop_assert_eq!(p.expires.timestamp(), secs);
            proptest::prop_assert_eq!(p.token.expose(), tok.as_str());
        }

        #[test]
        fn any_stderr_is_explained(s in "\\PC{0,300}") {
            let e = explain_az_error(&s, Some("contoso.example"));
            proptest::prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn old_and_new_shapes_are_read() {
        let old = r#"{"accessToken":"a.b.c","expiresOn":"2030-01-02 03:04:05.000000","subscription":"s","tenant":"t1","tokenType":"Bearer"}"#;
        let p = parse_az_output(old).expect("old");
        assert_eq!(p.tenant.as_deref(), Some("t1"));
        let new = r#"{"accessToken":"a.b.c","expiresOn":"2030-01-02 03:04:05.000000","expires_on":"1893553445","tenant":"t1","tokenType":"Bearer"}"#;
        assert_eq!(
            parse_az_output(new).expect("new").expires.timestamp(),
            1_893_553_445
        );
        assert!(parse_az_output(r#"{"expires_on":1}"#).is_err());
    }

    #[test]
    fn failures_are_said_with_what_to_do() {
        let e = explain_az_error(
            "ERROR: Please run 'az login' to setup account.",
            Some("contoso.example"),
        );
        assert!(
            e.to_string().contains("az login --tenant contoso.example"),
            "{e}"
        );
        let e = explain_az_error("ERROR: AADSTS90002: Tenant 'x' not found.", Some("x"));
        assert!(e.to_string().contains("not signed in to tenant x"), "{e}");
    }

    #[test]
    fn the_argument_vector_carries_resource_and_tenant_and_refuses_odd_tenants() {
        let az = AzureCli::new(Some("contoso.example".into()));
        assert_eq!(
            az.args("https://management.azure.com/").expect("args"),
            [
                "account",
                "get-access-token",
                "--output",
                "json",
                "--resource",
                "https://management.azure.com/",
                "--tenant",
                "contoso.example"
            ]
        );
        let odd = AzureCli::new(Some("x & calc".into()));
        assert!(odd.args("https://graph.microsoft.com").is_err());
    }
}
