// The one door to the Rust side. Every command rejects with an ErrorPayload ({code, message});
// anything else (a bug, a missing permission) is normalised to that shape here.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { ActivationForm } from "./bindings/ActivationForm";
import type { AppInfo } from "./bindings/AppInfo";
import type { BatchForm } from "./bindings/BatchForm";
import type { BatchItem } from "./bindings/BatchItem";
import type { CommandName } from "./bindings/CommandName";
import type { Decided } from "./bindings/Decided";
import type { DecisionForm } from "./bindings/DecisionForm";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { HistoryView } from "./bindings/HistoryView";
import type { RequestOutcome } from "./bindings/RequestOutcome";
import type { ReviewDecided } from "./bindings/ReviewDecided";
import type { ReviewForm } from "./bindings/ReviewForm";
import type { ReviewsView } from "./bindings/ReviewsView";
import type { UiEvent } from "./bindings/UiEvent";
import type { View } from "./bindings/View";

export function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>).code === "string" &&
    typeof (value as Record<string, unknown>).message === "string"
  );
}

/** A rejected command, as thrown inside the popup: an Error that keeps the backend's code. */
export class ElevateError extends Error {
  readonly code: string;
  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = "ElevateError";
    this.code = payload.code;
  }
}

export function toErrorPayload(value: unknown): ErrorPayload {
  if (value instanceof ElevateError) return { code: value.code, message: value.message };
  if (isErrorPayload(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: "internal", message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  return { code: "internal", message: "Unexpected error from the Elevate backend." };
}

/** Invokes one of the commands Rust declares (`CommandName` is generated from that list). */
export async function call<T>(command: CommandName, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err: unknown) {
    throw new ElevateError(toErrorPayload(err));
  }
}

/** What each event Rust emits carries (`UiEvent` is generated from Rust's list of them). */
export interface UiEventPayload extends Record<UiEvent, unknown> {
  view: View;
  error: ErrorPayload;
}

export function on<E extends UiEvent>(event: E, handler: (payload: UiEventPayload[E]) => void): void {
  void listen<UiEventPayload[E]>(event, (e) => {
    handler(e.payload);
  });
}

/** The backend as the popup sees it; tests pass their own implementation.
 *  The page gets its View from two places only, both handled by one function: `view()`,
 *  pulled once at mount, and `onView`, every view the backend publishes afterwards. The
 *  commands that change the view (refresh, sign in, favorites) resolve to nothing: their
 *  result arrives as a `view` event. */
export interface Backend {
  appInfo: () => Promise<AppInfo>;
  closePopup: () => Promise<void>;
  view: () => Promise<View>;
  refresh: () => Promise<void>;
  activate: (form: ActivationForm) => Promise<RequestOutcome>;
  deactivate: (key: string) => Promise<RequestOutcome>;
  cancel: (key: string) => Promise<RequestOutcome>;
  signIn: () => Promise<void>;
  toggleFavorite: (form: ActivationForm) => Promise<void>;
  /** Activates several with one input; one result per key. */
  activateMany: (form: BatchForm) => Promise<BatchItem[]>;
  /** Approves or denies a request waiting for me; someone deciding first is a result, not an error.
   *  The section follows as a `view` event. */
  decide: (form: DecisionForm) => Promise<Decided>;
  openInPortal: (key: string) => Promise<undefined>;
  /** My events of the last `days` days (local and, where I may read it, the tenant's), newest
   *  first, with the local chain's state. A tenant part that failed is in the answer, not thrown. */
  historyView: (days: number) => Promise<HistoryView>;
  /** A fresh look at the access review decisions waiting for me (also published as a `view` event). */
  reviewsView: () => Promise<ReviewsView>;
  /** Records my decision on an access review item; the view follows as a `view` event. */
  decideReview: (form: ReviewForm) => Promise<ReviewDecided>;
  openSettings: () => Promise<void>;
  /** Called with every new view the backend publishes (after any action or refresh). */
  onView: (handler: (view: View) => void) => void;
  onError: (handler: (error: ErrorPayload) => void) => void;
}

export const tauriBackend: Backend = {
  appInfo: () => call<AppInfo>("app_info"),
  closePopup: () => call<undefined>("close_popup"),
  view: () => call<View>("view"),
  refresh: () => call<undefined>("refresh"),
  activate: (form) => call<RequestOutcome>("activate", { form }),
  deactivate: (key) => call<RequestOutcome>("deactivate", { key }),
  cancel: (key) => call<RequestOutcome>("cancel", { key }),
  signIn: () => call<undefined>("sign_in"),
  toggleFavorite: (form) => call<undefined>("toggle_favorite", { form }),
  activateMany: (form) => call<BatchItem[]>("activate_many", { form }),
  decide: (form) => call<Decided>("decide", { form }),
  openInPortal: (key) => call<undefined>("open_in_portal", { key }),
  historyView: (days) => call<HistoryView>("history_view", { days }),
  reviewsView: () => call<ReviewsView>("reviews_view"),
  decideReview: (form) => call<ReviewDecided>("decide_review", { form }),
  openSettings: () => call<undefined>("open_settings"),
  onView: (handler) => {
    on("view", handler);
  },
  onError: (handler) => {
    on("error", handler);
  },
};
