//! Owns the after-activation commands: `[[after]]` in the config (a program, its arguments
//! with placeholders, the roles or bundles it follows, its time limit), their check when the
//! config loads, the argv built for one activation (a placeholder becomes part of exactly one
//! argument, never read by a shell) and running one: stdin closed, output kept short, killed
//! at its time limit.

mod run;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use run::{run, Ended, Outcome};

use crate::error::Error;
use crate::model::{Assignment, Plane};

/// Seconds a command may run unless it says otherwise, and the most it may ask for.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 30;
pub const MAX_TIMEOUT_SECONDS: u32 = 300;
/// How much of each output stream is kept (the end of it).
pub const OUTPUT_KEPT: usize = 4096;
/// The rule a bad `[[after]]` entry breaks.
pub const RULE: &str = "AfterCommand";
/// Set for the program: which `[[after]]` entry started it.
pub const ENV_NAME: &str = "ELEVATE_AFTER";

/// `[[after]] name = "az token" program = "az" args = ["account", "get-access-token",
/// "--tenant", "{tenant}"] roles = ["*"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct AfterCommand {
    pub name: String,
    /// An absolute path (`~/` is the home directory) or a name looked up on PATH; never
    /// placeholders.
    pub program: String,
    /// One string per argument; `{tenant}`, `{subscription}`, `{role}`, `{scope}`, `{plane}`,
    /// `{bundle}` are replaced inside it (`{{` and `}}` for braces).
    pub args: Vec<String>,
    /// Role or group names (as listed, "Group (owner)" for owners) or assignment keys, `*`
    /// for every one.
    pub roles: Vec<String>,
    /// Bundle names: run once after the whole bundle is ready.
    pub bundles: Vec<String>,
    pub timeout_seconds: u32,
    /// When to run: `ready` (the only one: once the access is in effect).
    pub when: Option<String>,
    /// Also after an AI agent's activation over MCP (never unless said here).
    pub run_after_mcp: bool,
}

impl Default for AfterCommand {
    fn default() -> Self {
        AfterCommand {
            name: String::new(),
            program: String::new(),
            args: vec![],
            roles: vec![],
            bundles: vec![],
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            when: None,
            run_after_mcp: false,
        }
    }
}

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    Tenant,
    Subscription,
    Role,
    Scope,
    Plane,
    Bundle,
}

impl Placeholder {
    pub const ALL: [Placeholder; 6] = [
        Placeholder::Tenant,
        Placeholder::Subscription,
        Placeholder::Role,
        Placeholder::Scope,
        Placeholder::Plane,
        Placeholder::Bundle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Tenant => "tenant",
            Placeholder::Subscription => "subscription",
            Placeholder::Role => "role",
            Placeholder::Scope => "scope",
            Placeholder::Plane => "plane",
            Placeholder::Bundle => "bundle",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// Splits one argument into text and placeholders; the message says what is wrong.
fn pieces(arg: &str) -> Result<Vec<Piece>, String> {
    let mut out = vec![];
    let mut text = String::new();
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    name.push(c);
                }
                if !closed {
                    return Err(format!("'{{{name}' is not closed with '}}'"));
                }
                let known = Placeholder::ALL.into_iter().find(|p| p.name() == name);
                let Some(p) = known else {
                    let names: Vec<String> = Placeholder::ALL
                        .iter()
                        .map(|p| format!("{{{}}}", p.name()))
                        .collect();
                    return Err(format!(
                        "'{{{name}}}' is not a placeholder: use {} (or {{{{ and }}}} for braces)",
                        names.join(", ")
                    ));
                };
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Value(p));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() || out.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

/// What the placeholders stand for in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub tenant: String,
    pub subscription: Option<String>,
    pub role: String,
    pub scope: String,
    pub plane: String,
    pub bundle: Option<String>,
}

impl Context {
    /// The values of `a` (role or group name, its scope, the subscription it is under).
    pub fn of(a: &Assignment, tenant: &str, bundle: Option<&str>) -> Context {
        let subscription = a
            .scope
            .id
            .strip_prefix("/subscriptions/")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_string())
            .filter(|s| !s.is_empty() && a.plane == Plane::AzureResource);
        Context {
            tenant: tenant.to_string(),
            subscription,
            role: a.label(),
            scope: a.scope.id.clone(),
            plane: Assignment::key_prefix(a.plane)
                .trim_end_matches(':')
                .to_string(),
            bundle: bundle.map(str::to_string),
        }
    }

    fn value(&self, p: Placeholder) -> Option<&str> {
        match p {
            Placeholder::Tenant => Some(&self.tenant),
            Placeholder::Subscription => self.subscription.as_deref(),
            Placeholder::Role => Some(&self.role),
            Placeholder::Scope => Some(&self.scope),
            Placeholder::Plane => Some(&self.plane),
            Placeholder::Bundle => self.bundle.as_deref(),
        }
    }
}

/// Replaces the placeholders of one argument: always exactly one argument back. A value that
/// holds NUL or a line break, or that starts an argument with `-` (it would read as an
/// option), is refused, naming the placeholder.
pub fn substitute(arg: &str, cx: &Context) -> Result<String, String> {
    let mut out = String::new();
    for piece in pieces(arg)? {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Value(p) => {
                let v = cx.value(p).ok_or_else(|| {
                    format!(
                        "{{{}}} has no value here (no subscription outside Azure roles, no bundle outside a bundle)",
                        p.name()
                    )
                })?;
                if v.contains(['\0', '\n', '\r']) {
                    return Err(format!(
                        "the value of {{{}}} holds a NUL or a line break: it is not passed to a program",
                        p.name()
                    ));
                }
                if out.is_empty() && v.starts_with('-') {
                    return Err(format!(
                        "the value of {{{}}} ('{v}') starts with '-' and would read as an option: put text before the placeholder (e.g. --role={{{}}})",
                        p.name(),
                        p.name()
                    ));
                }
                out.push_str(v);
            }
        }
    }
    Ok(out)
}

impl AfterCommand {
    /// The program to start: `~/` expanded; never anything from the tenant.
    pub fn program_path(&self) -> PathBuf {
        match (self.program.strip_prefix("~/"), dirs::home_dir()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(&self.program),
        }
    }

    /// The arguments for one run (see [`substitute`]).
    pub fn argv(&self, cx: &Context) -> Result<Vec<String>, String> {
        self.args.iter().map(|a| substitute(a, cx)).collect()
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.timeout_seconds))
    }

    /// Whether this command follows `a` (by name, label or key; `*` for all).
    pub fn follows_role(&self, a: &Assignment) -> bool {
        self.roles.iter().any(|r| {
            let r = r.trim();
            r == "*"
                || r.eq_ignore_ascii_case(&a.name)
                || r.eq_ignore_ascii_case(&a.label())
                || r == a.key
        })
    }

    pub fn follows_bundle(&self, bundle: &str) -> bool {
        self.bundles
            .iter()
            .any(|b| b.trim().eq_ignore_ascii_case(bundle.trim()))
    }
}

/// Checks every `[[after]]` entry; the error names the entry and the key (`after[1].args`).
pub fn check(commands: &[AfterCommand]) -> Result<(), Error> {
    for (i, c) in commands.iter().enumerate() {
        let bad = |key: &str, why: String| {
            Err(Error::PolicyRefused {
                rule: RULE.into(),
                message: format!("after[{i}].{key} ('{}' in the config file): {why}.", c.name),
            })
        };
        if c.name.trim().is_empty() {
            return bad(
                "name",
                "every after-activation command needs a name (like \"az token\")".into(),
            );
        }
        let program = c.program.trim();
        if program.is_empty() {
            return bad(
                "program",
                "say which program to run (an absolute path or a name on PATH)".into(),
            );
        }
        if program.contains(['{', '}']) || program.contains(['\0', '\n', '\r']) {
            return bad(
                "program",
                "the program is fixed: no placeholders, braces or line breaks (put them in args)"
                    .into(),
            );
        }
        let path = c.program_path();
        if !path.is_absolute() && path.components().count() > 1 {
            return bad("program", format!("'{program}' is relative: give an absolute path (or ~/…) or a bare name found on PATH"));
        }
        for (j, a) in c.args.iter().enumerate() {
            if a.contains('\0') {
                return bad(&format!("args[{j}]"), "an argument cannot hold NUL".into());
            }
            if let Err(why) = pieces(a) {
                return bad(&format!("args[{j}]"), why);
            }
        }
        if c.roles
            .iter()
            .chain(&c.bundles)
            .all(|r| r.trim().is_empty())
        {
            return bad("roles", "say which roles it follows (names, or \"*\" for all) or which bundles (bundles = [\"…\"])".into());
        }
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&c.timeout_seconds) {
            return bad("timeout_seconds", format!("{} is out of range: give 1 to {MAX_TIMEOUT_SECONDS} seconds (default {DEFAULT_TIMEOUT_SECONDS})", c.timeout_seconds));
        }
        if let Some(w) = c.when.as_deref().filter(|w| w.trim() != "ready") {
            return bad(
                "when",
                format!("'{w}' is not a moment: the only one is \"ready\" (the default)"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context {
        Context {
            tenant: "t-1".into(),
            subscription: None,
            role: "Owner".into(),
            scope: "/".into(),
            plane: "entraRole".into(),
            bundle: None,
        }
    }

    fn cmd(args: &[&str]) -> AfterCommand {
        AfterCommand {
            name: "x".into(),
            program: "az".into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            roles: vec!["*".into()],
            ..AfterCommand::default()
        }
    }

    #[test]
    fn placeholders_fill_one_argument_each() {
        let c = cmd(&[
            "--tenant",
            "{tenant}",
            "--role={role}",
            "{{literal}}",
            "a}b",
        ]);
        let argv = c.argv(&cx()).expect("argv");
        assert_eq!(
            argv,
            ["--tenant", "t-1", "--role=Owner", "{literal}", "a}b"]
        );
        let hostile = Context {
            role: "x; rm -rf ~ $(id) `id` \"'".into(),
            ..cx()
        };
        let argv = cmd(&["{role}"]).argv(&hostile).expect("argv");
        assert_eq!(argv.len(), 1);
        assert_eq!(argv[0], hostile.role);
    }

    #[test]
    fn values_that_cannot_be_passed_are_refused_naming_the_placeholder() {
        let nl = Context {
            role: "a\nb".into(),
            ..cx()
        };
        let e = cmd(&["{role}"]).argv(&nl).expect_err("newline");
        assert!(e.contains("{role}"), "{e}");
        let dash = Context {
            role: "--exec=evil".into(),
            ..cx()
        };
        assert!(cmd(&["{role}"]).argv(&dash).is_err());
        assert_eq!(
            cmd(&["--role={role}"]).argv(&dash).expect("prefixed"),
            ["--role=--exec=evil"]
        );
        let e = cmd(&["{subscription}"]).argv(&cx()).expect_err("none");
        assert!(e.contains("{subscription}"), "{e}");
    }

    #[test]
    fn bad_entries_are_refused_naming_the_key() {
        let cases: Vec<(AfterCommand, &str)> = vec![
            (cmd(&["{tenantid}"]), "after[0].args[0]"),
            (cmd(&["{tenant"]), "after[0].args[0]"),
            (
                AfterCommand {
                    program: " ".into(),
                    ..cmd(&[])
                },
                "after[0].program",
            ),
            (
                AfterCommand {
                    program: "{tenant}".into(),
                    ..cmd(&[])
                },
                "after[0].program",
            ),
            (
                AfterCommand {
                    program: "bin/az".into(),
                    ..cmd(&[])
                },
                "after[0].program",
            ),
            (
                AfterCommand {
                    timeout_seconds: 0,
                    ..cmd(&[])
                },
                "after[0].timeout_seconds",
            ),
            (
                AfterCommand {
                    timeout_seconds: 301,
                    ..cmd(&[])
                },
                "after[0].timeout_seconds",
            ),
            (
                AfterCommand {
                    roles: vec![],
                    ..cmd(&[])
                },
                "after[0].roles",
            ),
            (
                AfterCommand {
                    when: Some("later".into()),
                    ..cmd(&[])
                },
                "after[0].when",
            ),
        ];
        for (c, key) in cases {
            let e = check(&[c]).expect_err(key);
            assert_eq!(e.code(), "policy");
            assert!(e.to_string().contains(key), "{key}: {e}");
        }
        assert!(check(&[cmd(&["{tenant}", "--scope={scope}"])]).is_ok());
    }

    #[test]
    fn entries_read_from_toml_with_defaults() {
        let c: AfterCommand = toml::from_str(
            r#"name = "az token"
program = "az"
args = ["account", "get-access-token", "--tenant", "{tenant}"]
roles = ["*"]"#,
        )
        .expect("parses");
        assert_eq!(c.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
        assert!(!c.run_after_mcp);
        assert!(check(&[c]).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_value_stays_one_argument_and_never_panics(
            value in ".*",
            template in proptest::sample::select(vec!["{role}", "x{role}", "{role}y", "--a={role}-{tenant}", "{{{role}}}"]),
        ) {
            let c = Context { role: value.clone(), tenant: value.clone(), ..cx() };
            match substitute(template, &c) {
                Ok(arg) => proptest::prop_assert!(arg.contains(value.as_str())),
                Err(why) => proptest::prop_assert!(
                    value.contains(['\0', '\n', '\r']) || value.starts_with('-'),
                    "{why}"
                ),
            }
            let argv = cmd(&[template, "{tenant}"]).argv(&c);
            if let Ok(argv) = argv {
                proptest::prop_assert_eq!(argv.len(), 2);
            }
        }

        #[test]
        fn any_template_is_checked_without_panicking(template in ".*") {
            let _ = pieces(&template);
            let _ = substitute(&template, &cx());
        }
    }
}
