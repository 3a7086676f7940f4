//! Carries out what a tray menu entry or a notification button asked for. What needs the
//! desktop itself (open a window, quit) is the front end's; everything else is here, and a
//! failure becomes a notice the user sees (the popup may be closed).

use std::sync::Arc;

use super::{Elevate, Target};
use crate::approval::Verdict;
use crate::error::Error;
use crate::intent::Intent;
use crate::notice::{Notice, NoticeKind, Offer};

impl Elevate {
    /// Runs `intent`; Open, Settings and Quit are the desktop's and do nothing here.
    pub async fn perform(self: &Arc<Self>, intent: &Intent) {
        let done: Result<(), Error> = match intent {
            Intent::Refresh => {
                self.refresh_all().await;
                Ok(())
            }
            Intent::Open(key) => {
                if key.as_deref().is_some_and(|k| self.is_approval(k)) {
                    // A "to approve" notice clicked: look again at once.
                    self.wake_approvals();
                }
                self.open_on(key.as_deref());
                Ok(())
            }
            Intent::Approve(key) => self.decide_from_notice(key, Verdict::Approve).await,
            Intent::Deny(key) => self.decide_from_notice(key, Verdict::Deny).await,
            Intent::ActivateFavorite(key) => self.activate_favorite(key).await,
            Intent::Extend(key) => self.extend(&Target::key(key.clone())).await.map(|_| {
                self.shell.notify(
                    Notice::new(
                        NoticeKind::Extended,
                        "Extended",
                        "The new activation starts when the current one ends.",
                    )
                    .on(Some(key)),
                )
            }),
            Intent::Deactivate(key) => self.deactivate(&Target::key(key.clone())).await.map(|_| ()),
            Intent::Cancel(key) => self.cancel(&Target::key(key.clone())).await.map(|_| ()),
            Intent::SwitchAccount(id) => self.switch_account(id).await,
            Intent::SignIn => self.sign_in().await.map(|_| ()),
            Intent::SignInAnother => self.add_account().await,
            Intent::SignOut => self.sign_out().await.map(|_| ()),
            Intent::ActivateBundle(name) => self.bundle_from_tray(name, true).await,
            Intent::DeactivateBundle(name) => self.bundle_from_tray(name, false).await,
            Intent::OpenPortalPrivate(key) => self.portal_from_tray(key),
            Intent::Settings | Intent::Quit | Intent::Info(_) | Intent::Dismiss => Ok(()),
        };
        if let Err(e) = done {
            let title = match intent {
                Intent::Extend(_) => "Could not extend",
                Intent::Approve(_) => "Could not approve",
                Intent::Deny(_) => "Could not deny",
                Intent::OpenPortalPrivate(_) => "Could not open the portal",
                Intent::SignIn | Intent::SignInAnother => "Sign-in failed",
                _ => "Elevate could not do that",
            };
            let mut notice = Notice::new(NoticeKind::Failed, title, e.to_string())
                .on(intent.key())
                .offering(Offer::Handle);
            notice.error = Some((&e).into());
            self.shell.notify(notice);
        }
    }
}
