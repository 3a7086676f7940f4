//! The view kept on disk (`crate::view_cache`) as the tray uses it: painted at start until
//! the first refresh, written after each complete refresh.

use super::{lock, Elevate};
use crate::app::View;

impl Elevate {
    /// The last view kept on disk for the account signed in at start, as the current view
    /// (marked `from_cache`) until the first refresh replaces it: a popup opened at once
    /// paints without waiting for the network.
    pub(super) fn paint_from_cache(&self) {
        // Only the tray paints at start; elevatectl always asks the tenant.
        if !self.background {
            return;
        }
        let Some(who) = self.session().identity() else {
            return;
        };
        let Some(c) = crate::view_cache::load(&self.data.0, &who) else {
            return;
        };
        let favorites = self
            .data
            .load_favorites()
            .map(|(f, _)| f)
            .unwrap_or_default();
        // Each lock in a statement of its own (a guard in a struct literal lives to its end).
        let notices = lock(&self.live).notices.clone();
        let (approvals, reviews) = (self.approvals_view(), self.reviews_view());
        let view = View {
            account: Some(who),
            snapshot: c.snapshot,
            favorites,
            refreshed_at: c.refreshed_at,
            activating: vec![],
            focus: None,
            notices,
            approvals,
            reviews,
            facts: c.facts,
            from_cache: true,
        };
        *lock(&self.view) = Some(view);
    }

    /// Keeps a complete refresh for the next start (a refresh with a failed plane is not
    /// kept, see `view_cache::save`). Written each time, so "updated N min ago" is true.
    pub(super) fn keep_on_disk(&self, view: &View) {
        let Some(who) = view.account.as_ref().filter(|_| self.background) else {
            return;
        };
        if let Err(e) = crate::view_cache::save(
            &self.data.0,
            who,
            view.refreshed_at,
            &view.snapshot,
            &view.facts,
        ) {
            tracing::warn!("the view cache could not be written: {e}");
        }
    }
}
