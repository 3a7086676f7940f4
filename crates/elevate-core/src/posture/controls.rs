//! Which compliance controls each finding evidences: SOC 2 (CC6.1–CC6.3), ISO/IEC 27001:2013
//! Annex A (A.9.1, A.9.2, A.9.4), NIST SP 800-53 (AC-2, AC-6, IA-2) and the NIST CSF (PR.AC).
//! Auditors read the report by control, so the mapping lives in one table.

use serde::Serialize;

/// One control of one framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Control {
    pub framework: &'static str,
    pub id: &'static str,
}

const SOC2: &str = "SOC 2";
const ISO: &str = "ISO 27001";
const NIST: &str = "NIST 800-53";
const CSF: &str = "NIST CSF";

/// The mapping, by finding id: what each item shows about access control.
const MAP: &[(&str, &[(&str, &str)])] = &[
    (
        "too-many-global-admins",
        &[
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.3"),
            (NIST, "AC-6"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "roles-assigned-outside-pim",
        &[
            (SOC2, "CC6.2"),
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.2"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "no-mfa-on-activation",
        &[
            (SOC2, "CC6.1"),
            (ISO, "A.9.4.2"),
            (NIST, "IA-2"),
            (CSF, "PR.AC-7"),
        ],
    ),
    (
        "stale-eligible",
        &[
            (SOC2, "CC6.2"),
            (ISO, "A.9.2.5"),
            (ISO, "A.9.2.6"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-1"),
        ],
    ),
    (
        "stale-active",
        &[
            (SOC2, "CC6.2"),
            (ISO, "A.9.2.6"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-1"),
        ],
    ),
    (
        "permanent-active",
        &[
            (SOC2, "CC6.1"),
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.3"),
            (NIST, "AC-2"),
            (NIST, "AC-6"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "mfa-on-activation",
        &[
            (SOC2, "CC6.1"),
            (ISO, "A.9.4.2"),
            (NIST, "IA-2"),
            (CSF, "PR.AC-7"),
        ],
    ),
    (
        "approval-critical",
        &[
            (SOC2, "CC6.2"),
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.2"),
            (ISO, "A.9.2.3"),
            (NIST, "AC-2"),
            (NIST, "AC-6"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "max-activation",
        &[
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.3"),
            (NIST, "AC-6"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "eligible-expiry",
        &[
            (SOC2, "CC6.2"),
            (ISO, "A.9.2.6"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-1"),
        ],
    ),
    (
        "justification-ticket",
        &[
            (SOC2, "CC6.2"),
            (ISO, "A.9.1.2"),
            (ISO, "A.9.2.2"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-4"),
        ],
    ),
    (
        "access-reviews",
        &[
            (SOC2, "CC6.2"),
            (SOC2, "CC6.3"),
            (ISO, "A.9.2.5"),
            (NIST, "AC-2"),
            (CSF, "PR.AC-1"),
        ],
    ),
];

/// The controls a finding evidences (empty for an id not in the table).
pub fn controls_of(id: &str) -> Vec<Control> {
    MAP.iter()
        .find(|(k, _)| *k == id)
        .map(|(_, cs)| {
            cs.iter()
                .map(|(framework, id)| Control { framework, id })
                .collect()
        })
        .unwrap_or_default()
}

/// `SOC 2 CC6.1, CC6.3 · ISO 27001 A.9.2.3 · …`, frameworks in the table's order.
pub fn controls_line(cs: &[Control]) -> String {
    let mut out: Vec<String> = vec![];
    for fw in [SOC2, ISO, NIST, CSF] {
        let ids: Vec<&str> = cs
            .iter()
            .filter(|c| c.framework == fw)
            .map(|c| c.id)
            .collect();
        if !ids.is_empty() {
            out.push(format!("{fw} {}", ids.join(", ")));
        }
    }
    out.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_maps_to_each_framework() {
        for (id, _) in MAP {
            let line = controls_line(&controls_of(id));
            for fw in [SOC2, ISO, NIST, CSF] {
                assert!(line.contains(fw), "{id} lacks {fw}: {line}");
            }
        }
        assert!(controls_of("nope").is_empty());
    }
}
