// Every command the webviews may invoke, in one list. build.rs reads it to declare the app's
// permissions, lib.rs to register the handler, a test to check the capability files and the
// TypeScript type `CommandName`. (Included with `include!`: an expression, no items.)
&[
    "app_info",
    "close_popup",
    "view",
    "refresh",
    "activate",
    "deactivate",
    "cancel",
    "sign_in",
    "toggle_favorite",
    "activate_many",
    "decide",
    "open_in_portal",
    "history_view",
    "reviews_view",
    "decide_review",
    "open_settings",
    "close_settings",
    "settings_get",
    "settings_save",
    "check_connection",
    "sign_out",
    "switch_account",
    "add_account",
]
