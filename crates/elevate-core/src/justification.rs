//! The user's own justification rules (`[justification]` in config.toml): a justification
//! that says nothing (the built-in vague list), one shorter than the minimum or matching a
//! refused pattern is refused, and a ticket pattern can be required. Checked on the plan,
//! before anything is sent, for every front end (with the organisation's rules, the
//! strictest of both applying); each refusal is `Error::PolicyRefused` with a
//! `justification.<key>` rule and says what to do.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::planner::Plan;

pub const VAGUE_RULE: &str = "justification.refuse_vague";
pub const MIN_LENGTH_RULE: &str = "justification.min_length";
pub const PATTERN_RULE: &str = "justification.refuse_patterns";
pub const TICKET_RULE: &str = "justification.ticket_pattern";

/// Justifications that say nothing about why, compared on their letters and digits only,
/// lower case ("B.A.U." and "bau!" are "bau").
const VAGUE: &[&str] = &[
    "bau",
    "businessasusual",
    "admin",
    "administration",
    "adminwork",
    "adminstuff",
    "access",
    "needaccess",
    "accessneeded",
    "needed",
    "need",
    "needit",
    "required",
    "requested",
    "work",
    "working",
    "dowork",
    "mywork",
    "job",
    "task",
    "tasks",
    "stuff",
    "things",
    "test",
    "tests",
    "testing",
    "asdf",
    "asdfgh",
    "qwerty",
    "foo",
    "foobar",
    "na",
    "none",
    "nothing",
    "nil",
    "null",
    "fix",
    "fixes",
    "fixing",
    "because",
    "reason",
    "justification",
    "ok",
    "okay",
    "yes",
    "todo",
    "tbd",
    "tba",
    "etc",
];

/// `[justification]` in config.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct JustificationConfig {
    /// Refuse the built-in vague justifications ("BAU", "admin", "needed", "x", "-", …).
    pub refuse_vague: bool,
    /// The fewest characters a justification may have (after trimming); 0: no minimum.
    pub min_length: u32,
    /// Regular expressions (case-insensitive) a justification must not match.
    pub refuse_patterns: Vec<String>,
    /// A regular expression (case-insensitive) the ticket number or the justification must
    /// match, e.g. `(INC|CHG)\d+`; unset: no ticket reference needed.
    pub ticket_pattern: Option<String>,
}

impl Default for JustificationConfig {
    fn default() -> Self {
        JustificationConfig {
            refuse_vague: true,
            min_length: 0,
            refuse_patterns: vec![],
            ticket_pattern: None,
        }
    }
}

/// A pattern as written and compiled.
#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    regex: regex::Regex,
}

fn compile(key: &str, text: &str) -> Result<Pattern, Error> {
    let regex = regex::RegexBuilder::new(text)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or("").trim().to_string();
            Error::InvalidInput(format!(
                "[justification] {key} '{text}' is not a regular expression ({why}): fix or remove it in config.toml."
            ))
        })?;
    Ok(Pattern {
        text: text.to_string(),
        regex,
    })
}

/// The rules, compiled. `Rules::default()` refuses nothing (a bare PIM client); the service
/// sets them from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    refuse_vague: bool,
    min_length: usize,
    refuse: Vec<Pattern>,
    ticket: Option<Pattern>,
}

impl JustificationConfig {
    /// Compiles the rules; a pattern that is not a regular expression is an error naming
    /// its key.
    pub fn rules(&self) -> Result<Rules, Error> {
        let refuse = self
            .refuse_patterns
            .iter()
            .enumerate()
            .map(|(i, p)| compile(&format!("refuse_patterns[{i}]"), p))
            .collect::<Result<Vec<_>, _>>()?;
        let ticket = self
            .ticket_pattern
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| compile("ticket_pattern", p))
            .transpose()?;
        Ok(Rules {
            refuse_vague: self.refuse_vague,
            min_length: self.min_length as usize,
            refuse,
            ticket,
        })
    }
}

/// The letters and digits of `text`, lower case.
fn squashed(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `text` says nothing: on the vague list, only punctuation, or one character
/// repeated ("x", "...", "aaaa").
pub fn is_vague(text: &str) -> bool {
    let s = squashed(text);
    let mut chars = s.chars();
    match chars.next() {
        None => true,
        Some(first) => chars.all(|c| c == first) || VAGUE.contains(&s.as_str()),
    }
}

/// The text shown in a message: trimmed and cut short.
fn quoted(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() > 40 {
        format!("{}…", t.chars().take(40).collect::<String>())
    } else {
        t.to_string()
    }
}

fn refuse(rule: &str, message: String) -> Error {
    Error::PolicyRefused {
        rule: rule.into(),
        message,
    }
}

impl Rules {
    /// Whether any rule is set.
    pub fn any(&self) -> bool {
        self.refuse_vague || self.min_length > 0 || !self.refuse.is_empty() || self.ticket.is_some()
    }

    /// Checks what will be sent for `label`. A justification's rules apply when one is sent
    /// (whether one is needed is the PIM policy's and the organisation's call); the ticket
    /// pattern applies to every activation.
    pub fn check(
        &self,
        label: &str,
        justification: Option<&str>,
        ticket: Option<&str>,
    ) -> Result<(), Error> {
        self.check_text(justification)?;
        let j = justification.map(str::trim).filter(|j| !j.is_empty());
        if let Some(p) = &self.ticket {
            let ticket = ticket.map(str::trim).filter(|t| !t.is_empty());
            let found = ticket.is_some_and(|t| p.regex.is_match(t))
                || j.is_some_and(|j| p.regex.is_match(j));
            if !found {
                return Err(refuse(
                    TICKET_RULE,
                    format!(
                        "{label} needs a ticket reference matching '{}' in the ticket number or the justification ([justification] ticket_pattern in config.toml): give the ticket number, or name the ticket in the justification.",
                        p.text
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The rules on a justification's text alone (the vague list, the minimum length, the
    /// refused patterns): what can be refused as soon as it is typed, before any request.
    pub fn check_text(&self, justification: Option<&str>) -> Result<(), Error> {
        if let Some(j) = justification {
            crate::planner::check_length(j)?;
        }
        if let Some(j) = justification.map(str::trim).filter(|j| !j.is_empty()) {
            if self.refuse_vague && is_vague(j) {
                return Err(refuse(
                    VAGUE_RULE,
                    format!(
                        "'{}' says nothing about why: name the change, incident or task (the vague list, [justification] refuse_vague in config.toml).",
                        quoted(j)
                    ),
                ));
            }
            let n = j.chars().count();
            if n < self.min_length {
                return Err(refuse(
                    MIN_LENGTH_RULE,
                    format!(
                        "The justification '{}' has {n} characters; at least {} are needed ([justification] min_length in config.toml): say what you will change and why.",
                        quoted(j),
                        self.min_length
                    ),
                ));
            }
            if let Some(p) = self.refuse.iter().find(|p| p.regex.is_match(j)) {
                return Err(refuse(
                    PATTERN_RULE,
                    format!(
                        "The justification '{}' matches the refused pattern '{}' ([justification] refuse_patterns in config.toml): say what you will change and why.",
                        quoted(j),
                        p.text
                    ),
                ));
            }
        }
        Ok(())
    }

    /// After planning, before sending.
    pub fn check_plan(&self, label: &str, plan: &Plan) -> Result<(), Error> {
        self.check(
            label,
            plan.justification.as_deref(),
            plan.ticket_number.as_deref(),
        )
    }

    /// The rules in words, for a hint under the justification field; `None` when none is set.
    pub fn hint(&self) -> Option<String> {
        let mut parts = vec![];
        if self.min_length > 0 {
            parts.push(format!("at least {} characters", self.min_length));
        }
        if self.refuse_vague {
            parts.push("not a vague word like BAU or admin".to_string());
        }
        if let Some(p) = &self.ticket {
            parts.push(format!("a ticket matching {}", p.text));
        }
        (!parts.is_empty()).then(|| format!("Justification: {}.", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(c: JustificationConfig) -> Rules {
        c.rules().expect("rules")
    }

    #[test]
    fn vague_words_are_refused_whatever_their_case_and_punctuation() {
        for j in [
            "BAU", "bau", " B.A.U. ", "admin", "Admin!", "needed", "N/A", "na", "-", ".", "x",
            "xxx", "...", "fix", "Access", "because", "asdf", "test", "work", "  ", "?!",
        ] {
            assert!(is_vague(j), "{j}");
        }
        for j in [
            "patching",
            "deploy",
            "incident 42",
            "CHG-7 rotate the keys",
            "Routine administration",
            "admin of the payroll app for CHG-9",
        ] {
            assert!(!is_vague(j), "{j}");
        }
    }

    #[test]
    fn each_refusal_names_its_rule_and_says_what_to_do() {
        let r = rules(JustificationConfig {
            min_length: 12,
            refuse_patterns: vec!["^urgent".into()],
            ticket_pattern: Some(r"(INC|CHG)\d+".into()),
            ..JustificationConfig::default()
        });
        let rule_of = |j: Option<&str>, t: Option<&str>| match r.check("User Administrator", j, t) {
            Err(Error::PolicyRefused { rule, message }) => (rule, message),
            other => panic!("expected a refusal, got {other:?}"),
        };
        let (rule, message) = rule_of(Some("BAU"), Some("INC1"));
        assert_eq!(rule, VAGUE_RULE);
        assert!(message.contains("'BAU' says nothing") && message.contains("refuse_vague"));
        let (rule, message) = rule_of(Some("patching"), Some("INC1"));
        assert_eq!(rule, MIN_LENGTH_RULE);
        assert!(message.contains("8 characters") && message.contains("at least 12"));
        let (rule, message) = rule_of(Some("URGENT: patch the servers"), Some("INC1"));
        assert_eq!(rule, PATTERN_RULE);
        assert!(message.contains("'^urgent'"), "{message}");
        let (rule, message) = rule_of(Some("patch the mail servers"), None);
        assert_eq!(rule, TICKET_RULE);
        assert!(message
            .contains("User Administrator needs a ticket reference matching '(INC|CHG)\\d+'"));
        assert!(r
            .check("x", Some("patch the mail servers"), Some("inc42"))
            .is_ok());
        assert!(r
            .check("x", Some("patch the mail servers for CHG77"), None)
            .is_ok());
    }

    #[test]
    fn no_justification_is_left_to_the_policy_but_the_ticket_pattern_holds() {
        assert!(rules(JustificationConfig::default())
            .check("r", None, None)
            .is_ok());
        let r = rules(JustificationConfig {
            ticket_pattern: Some("INC".into()),
            ..JustificationConfig::default()
        });
        assert!(r.check("r", None, None).is_err());
        assert!(r.check("r", Some("  "), Some("INC1")).is_ok());
    }

    #[test]
    fn off_refuses_nothing_and_a_bad_pattern_names_its_key() {
        let off = Rules::default();
        assert!(!off.any() && off.hint().is_none());
        assert!(off.check("r", Some("x"), None).is_ok());
        let err = JustificationConfig {
            refuse_patterns: vec!["ok".into(), "(".into()],
            ..JustificationConfig::default()
        }
        .rules()
        .expect_err("bad regex");
        assert!(
            err.to_string()
                .contains("[justification] refuse_patterns[1] '('"),
            "{err}"
        );
        let err = JustificationConfig {
            ticket_pattern: Some("[".into()),
            ..JustificationConfig::default()
        }
        .rules()
        .expect_err("bad regex");
        assert!(err.to_string().contains("ticket_pattern"), "{err}");
    }

    #[test]
    fn the_section_round_trips_through_toml() {
        let c = JustificationConfig {
            refuse_vague: false,
            min_length: 15,
            refuse_patterns: vec!["^asap".into()],
            ticket_pattern: Some(r"(INC|CHG)\d+".into()),
        };
        let text = toml::to_string(&c).expect("toml");
        let back: JustificationConfig = toml::from_str(&text).expect("parse");
        assert_eq!(back, c);
        let partial: JustificationConfig = toml::from_str("min_length = 5").expect("parse");
        assert!(partial.refuse_vague && partial.min_length == 5);
    }

    fn rule(r: Result<(), Error>) -> Option<String> {
        match r {
            Ok(()) => None,
            Err(Error::PolicyRefused { rule, .. }) => Some(rule),
            Err(e) => Some(e.code().to_string()),
        }
    }

    proptest::proptest! {
        #[test]
        fn the_matcher_never_panics(text in "\\PC{0,80}", ticket in "\\PC{0,20}") {
            let r = rules(JustificationConfig { min_length: 10, refuse_patterns: vec!["foo".into()], ticket_pattern: Some(r"INC\d+".into()), ..JustificationConfig::default() });
            let _ = r.check("r", Some(&text), Some(&ticket));
            let _ = is_vague(&text);
        }

        #[test]
        fn case_and_outer_whitespace_change_nothing(text in "[ -~]{0,60}", pad in "[ \\t\\n]{0,4}", ticket in "[ -~]{0,12}") {
            let r = rules(JustificationConfig { min_length: 10, refuse_patterns: vec!["foo".into()], ticket_pattern: Some(r"INC\d+".into()), ..JustificationConfig::default() });
            let padded = format!("{pad}{}{pad}", text.to_uppercase());
            proptest::prop_assert_eq!(
                rule(r.check("r", Some(&text), Some(&ticket))),
                rule(r.check("r", Some(&padded), Some(&ticket.to_lowercase())))
            );
            proptest::prop_assert_eq!(is_vague(&text), is_vague(&padded));
        }

        #[test]
        fn any_pattern_compiles_or_names_its_key(p in "\\PC{0,20}") {
            let c = JustificationConfig { ticket_pattern: Some(p), ..JustificationConfig::default() };
            if let Err(e) = c.rules() {
                proptest::prop_assert!(e.to_string().contains("ticket_pattern"));
            }
        }
    }
}
