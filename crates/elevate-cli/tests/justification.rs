//! elevatectl and the user's justification rules: a vague justification is refused with the
//! rule's message on stderr and exit code 3 (refused by policy) before any request reaches
//! the tenant (elevate-sim, counting); a rule that is not a regular expression is exit 2,
//! naming its key.

mod common;

use common::{elevatectl, sim_and_dir};

#[tokio::test(flavor = "multi_thread")]
async fn a_vague_justification_exits_3_with_the_rule_and_nothing_sent() {
    let (sim, dir) = sim_and_dir().await;
    std::fs::write(dir.join("config.toml"), "").expect("config");
    let out = elevatectl(
        &sim,
        &dir,
        &[
            "activate",
            "User Administrator",
            "-j",
            "BAU",
            "--duration",
            "1h",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "elevatectl: 'BAU' says nothing about why: name the change, incident or task"
        ),
        "{stderr}"
    );
    assert_eq!(
        sim.sim().lock().total_requests(),
        0,
        "refused before the network"
    );

    std::fs::write(
        dir.join("config.toml"),
        "[justification]\nticket_pattern = \"(INC\"\n",
    )
    .expect("config");
    let out = elevatectl(
        &sim,
        &dir,
        &["activate", "User Administrator", "-j", "patching"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[justification] ticket_pattern '(INC' is not a regular expression"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
