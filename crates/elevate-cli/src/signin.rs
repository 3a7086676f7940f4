//! `elevatectl whoami` and `login` with a credential (`--auth azure-cli`, `client-secret`,
//! `client-certificate`, `managed-identity`): which method and client id are in use, and who
//! (a user, or an application). A few lines over `Elevate::sign_in_summary`.

use std::sync::Arc;

use elevate_core::{Elevate, Error};
use serde_json::json;

use crate::output::{self, OK};

fn client_words(s: &elevate_core::auth::SignInSummary) -> String {
    match (&s.client_id, s.default_client) {
        (Some(c), true) => {
            format!("client {c} (Elevate's default, Microsoft Graph Command Line Tools)")
        }
        (Some(c), false) => format!("client {c}"),
        (None, _) => "the machine's managed identity".to_string(),
    }
}

pub async fn whoami(e: &Arc<Elevate>, json_flag: bool) -> Result<u8, Error> {
    let s = e.sign_in_summary().await;
    if s.user.is_none() && !s.app_only {
        // Say why, in the credential's words (az not signed in...), when there is one.
        e.session().resolve_identity().await?;
        return Err(Error::SignInRequired("You are not signed in.".into()));
    }
    if output::wants_data(json_flag) {
        let mut v = json!({
            "method": s.method, "clientId": s.client_id, "armClientId": s.arm_client_id,
            "defaultClient": s.default_client, "cloud": s.cloud, "appOnly": s.app_only,
            "secretStore": e.secret_store().describe(),
        });
        match &s.user {
            Some(id) => {
                v["username"] = json!(id.username);
                v["name"] = json!(id.name);
                v["objectId"] = json!(id.object_id);
                v["tenantId"] = json!(id.tenant_id);
            }
            None => v["tenantId"] = json!(s.tenant),
        }
        output::print_data(&v);
    } else {
        match &s.user {
            Some(id) => println!("{} ({}) in tenant {}", id.name, id.username, id.tenant_id),
            None => println!("An application (no user) in tenant {}", s.tenant),
        }
        let arm = s
            .arm_client_id
            .as_deref()
            .map(|a| format!("; Azure resources through client {a}"))
            .unwrap_or_default();
        println!(
            "Signed in with {} ({}, {} cloud){arm}",
            s.method,
            client_words(&s),
            s.cloud
        );
    }
    Ok(OK)
}

/// `login` with a credential: nothing to open; a first token says whether it works.
pub async fn login_with_credential(e: &Arc<Elevate>) -> Result<u8, Error> {
    let s = e.sign_in_summary().await;
    match (&s.user, s.app_only) {
        (Some(id), _) => output::say(format!(
            "Using {}: signed in as {} ({}).",
            s.method, id.username, id.tenant_id
        )),
        (None, true) => {
            // An application: a token for Graph shows the credential works.
            e.session()
                .token(elevate_core::auth::Resource::Graph, None)
                .await?;
            output::say(format!(
                "Using {} as an application ({}) in tenant {}: admin, audit and posture work; activation needs a user.",
                s.method,
                client_words(&s),
                s.tenant
            ));
        }
        (None, false) => {
            e.session().resolve_identity().await?;
            return Err(Error::SignInRequired("You are not signed in.".into()));
        }
    }
    output::say(
        "Elevate does not store these tokens: they are asked for again when needed.".to_string(),
    );
    Ok(OK)
}
