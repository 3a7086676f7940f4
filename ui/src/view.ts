// Owns the popup's frame and its wiring: header, search, banner, footer; the one `apply(view)`
// every View goes through (the one pulled at mount, then each `view` event); the keyboard;
// the countdown; and the marks `make bench` reads. The list, rows, forms and batch bar are
// in list.ts, rows.ts, forms.ts and batch.ts; the "To approve" section in approvals.ts; the
// History panel (which takes the list area's place while open) in history.ts; the access
// Reviews panel (the same place, and a badge on its button) in reviews.ts; the state in state.ts.
import type { View } from "./bindings/View";
import { createApprovals } from "./approvals";
import { createBatch } from "./batch";
import { el, errorView, mark, markNextFrame } from "./dom";
import { createForms } from "./forms";
import { createHistory } from "./history";
import type { Backend } from "./ipc";
import { toErrorPayload } from "./ipc";
import { createList } from "./list";
import { createReviews } from "./reviews";
import { PLANE_NAMES } from "./model";
import { act, createState, shown } from "./state";

/** Marks for `make bench` (scripts/bench_app.py): page start to the first list painted, a key
 *  press to its result about to be painted, and each View applied. */
export const MARK_READY = "elevate-ready";
export const MARK_KEY_PAINTED = "elevate:key-painted";
export const MARK_VIEW_APPLIED = "elevate:view-applied";

export async function mount(root: HTMLElement, backend: Backend, now: () => number = Date.now): Promise<void> {
  const state = createState();
  const search = el("input", { type: "search", class: "search", placeholder: "Search roles, groups, scopes…", "aria-label": "Search assignments" });
  const refreshButton = el("button", { class: "icon", type: "button", "aria-label": "Refresh" }, "⟳");
  const close = el("button", { class: "icon close", type: "button", "aria-label": "Close Elevate" }, "✕");
  const gear = el("button", { class: "icon", type: "button", "aria-label": "Settings" }, "⚙");
  const historyButton = el("button", { class: "icon", type: "button", "aria-label": "History", "data-testid": "history-button" }, "◷");
  const reviewsButton = el("button", { class: "icon reviews-button", type: "button", "aria-label": "Access reviews", "data-testid": "reviews-button" }, "☑");
  const batchBar = el("div", { class: "batch", "aria-label": "Selected assignments" });
  const account = el("span", { class: "account" });
  const banner = el("div", { class: "banner" });
  // Outside the windowed list: its rows keep one height.
  const toApprove = el("section", { class: "approvals" });
  const ul = el("ul", { class: "list", role: "listbox", "aria-label": "Assignments" });
  const historyPanel = el("section", { class: "history" });
  const reviewsPanel = el("section", { class: "reviews" });
  const footer = el("footer", {}, "…");
  root.replaceChildren(
    el("header", {}, el("img", { src: "/elevate.svg", alt: "", width: "22", height: "22" }), el("h1", {}, "Elevate"), account, refreshButton, historyButton, reviewsButton, gear, close),
    search,
    banner,
    toApprove,
    batchBar,
    ul,
    historyPanel,
    reviewsPanel,
    footer,
  );

  /** After any change of the state: the list (changed rows only), the batch bar, the count. */
  const render = (): void => {
    list.render();
    batch.update();
    root.dataset.count = String(shown(state).length);
  };
  const forms = createForms(state, backend, render);
  const batch = createBatch(batchBar, state, backend, render);
  const togglePick = (key: string): void => {
    if (state.picked.has(key)) state.picked.delete(key);
    else state.picked.add(key);
    render();
  };
  const list = createList(ul, {
    state,
    now,
    actions: {
      activate: (a) => {
        forms.activate(a);
      },
      deactivate: (a) => void act(state, render, a.key, () => backend.deactivate(a.key)),
      cancel: (a) => void act(state, render, a.key, () => backend.cancel(a.key)),
      togglePick,
      toggleFavorite: (a) => {
        forms.toggleFavorite(a);
      },
      form: (a) => forms.form(a),
    },
  });

  const approvals = createApprovals(toApprove, backend, now);

  // The History and Reviews panels take the list area's place (one at a time): search, "To
  // approve", batch bar and list are taken out of the layout (by style: the approvals section
  // sets its own `hidden`), keeping their state, rows and the list's scroll position for when
  // the panel closes.
  const listArea = [search, toApprove, batchBar, ul];
  let listScroll = 0;
  let listHidden = false;
  const layout = (): void => {
    const hide = history.isOpen() || reviews.isOpen();
    if (hide === listHidden) return;
    if (hide) listScroll = ul.scrollTop;
    for (const node of listArea) node.style.display = hide ? "none" : "";
    if (!hide) ul.scrollTop = listScroll;
    listHidden = hide;
  };
  const history = createHistory(historyPanel, historyButton, backend, (open) => {
    if (open) reviews.close(false);
    layout();
  });
  const reviews = createReviews(reviewsPanel, reviewsButton, backend, now, (open) => {
    if (open) history.close(false);
    layout();
  });

  const showError = (error: unknown): void => {
    bannerFor = null; // the next view replaces it
    banner.replaceChildren(errorView(toErrorPayload(error)));
  };

  /** The banner: sign in when nobody is, else the planes that failed. Rebuilt only when that changes. */
  let bannerFor: string | null = null;
  const renderBanner = (view: View): void => {
    const sig = JSON.stringify([view.account !== null, view.snapshot.failures, view.notices, view.fromCache && view.refreshedAt]);
    if (sig === bannerFor) return;
    bannerFor = sig;
    if (!view.account) {
      // Nobody signed in: one button, not three error messages. The list follows as a view event.
      const button = el("button", { type: "button", class: "primary", "aria-label": "Sign in" }, "Sign in");
      button.addEventListener("click", () => {
        button.disabled = true;
        button.textContent = "Waiting for the browser…";
        void backend.signIn().catch(showError);
      });
      banner.replaceChildren(el("div", { class: "signin" }, el("p", {}, "Sign in to see and activate your roles."), button));
    } else {
      banner.replaceChildren(...view.snapshot.failures.map((f) => errorView({ code: f.error.code, message: `${PLANE_NAMES[f.plane]}: ${f.error.message}` })));
    }
    // Painted from the last view kept on disk while the first refresh runs: say how old it is.
    if (view.fromCache) {
      banner.append(el("p", { class: "notice stale", role: "status", "data-testid": "from-cache" }, `${updatedAgo(view.refreshedAt, now())} · refreshing…`));
    }
    // What the user must know (a file moved aside, a session in memory only), under the rest.
    banner.append(...view.notices.map((n) => el("p", { class: "notice", role: "status" }, n)));
  };

  /** Opens the form of `key` (a favorite that needs input), with the search cleared. */
  const focusOn = (key: string): void => {
    state.query = "";
    search.value = "";
    state.formFor = key;
    state.selected = Math.max(0, shown(state).findIndex((a) => a.key === key));
    list.center(state.selected);
    render();
    list.scrollTo(state.selected);
    forms.focus();
  };

  /** Every View goes through here: the one pulled at mount and each `view` event. */
  let lastFocus: string | null = null;
  const apply = (view: View): void => {
    state.view = view;
    render();
    approvals.render(view.approvals);
    reviews.render(view.reviews);
    renderBanner(view);
    account.textContent = view.account?.username ?? "";
    // A view names the item to open the form on, or the approval to decide (its field); the
    // same request repeated is opened once.
    if (view.focus !== null && view.focus !== lastFocus) {
      if (!reviews.focus(view.focus)) {
        history.close(false);
        reviews.close(false);
        if (!approvals.focus(view.focus)) focusOn(view.focus);
      }
    }
    lastFocus = view.focus;
    mark(MARK_VIEW_APPLIED);
  };

  backend.onView(apply);
  backend.onError((error) => {
    showError(error);
  });
  search.addEventListener("input", () => {
    state.query = search.value;
    state.selected = 0;
    list.top();
    render();
    markNextFrame(MARK_KEY_PAINTED);
  });
  // Refresh paints once, from the `view` event that follows; the command itself returns nothing.
  refreshButton.addEventListener("click", () => void backend.refresh().catch(showError));
  close.addEventListener("click", () => void backend.closePopup());
  gear.addEventListener("click", () => void backend.openSettings());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      if (history.isOpen()) {
        history.close();
      } else if (reviews.isOpen()) {
        reviews.close();
      } else if (state.formFor) {
        forms.close();
        markNextFrame(MARK_KEY_PAINTED);
      } else {
        void backend.closePopup();
      }
      return;
    }
    // Keys typed in a form, the "To approve" section or the header's buttons are theirs, not the
    // list's; none are while the History panel hides the list.
    const inForm = event.target instanceof HTMLElement && event.target.closest("form, section.approvals, header") !== null;
    if (inForm || history.isOpen() || reviews.isOpen()) return;
    const items = shown(state);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      list.select(Math.max(0, Math.min(items.length - 1, state.selected + (event.key === "ArrowDown" ? 1 : -1))));
      markNextFrame(MARK_KEY_PAINTED);
    } else if (event.key === " " && !(event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement)) {
      const a = items[state.selected];
      if (a?.status === "eligible") {
        event.preventDefault();
        togglePick(a.key);
        markNextFrame(MARK_KEY_PAINTED);
      }
    } else if (event.key === "Enter") {
      const a = items[state.selected];
      if (a?.status === "eligible") {
        event.preventDefault();
        forms.activate(a);
        markNextFrame(MARK_KEY_PAINTED);
      }
    }
  });
  setInterval(() => {
    list.tick();
    approvals.tick();
  }, 30_000);
  search.focus();

  try {
    const [info, view] = await Promise.all([backend.appInfo(), backend.view()]);
    footer.textContent = `${info.name} ${info.version} · ${info.mode === "demo" ? "demo tenant" : "your tenant"}`;
    // A `view` event that came first is newer than this answer.
    if (state.view === null) apply(view);
    root.dataset.ready = "true";
    // For `make bench`: webview start to list painted.
    performance.mark(MARK_READY);
  } catch (err: unknown) {
    showError(err);
    root.dataset.ready = "error";
  }
}

/** "Updated 5 min ago" for a view refreshed at `at` (Unix ms), as of `now`. */
export function updatedAgo(at: number, now: number): string {
  const minutes = Math.max(0, Math.floor((now - at) / 60_000));
  if (minutes < 1) return "Updated just now";
  if (minutes < 60) return `Updated ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `Updated ${hours} h ago`;
  return `Updated ${Math.floor(hours / 24)} days ago`;
}
