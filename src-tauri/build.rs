fn main() {
    // generate_context! embeds ui/dist at compile time; rebuild when the bundle changes.
    println!("cargo:rerun-if-changed=ui/dist");
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
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
            "open_settings",
            "close_settings",
            "settings_get",
            "settings_save",
            "sign_out",
            "switch_account",
            "add_account",
        ]),
    ))
    .expect("failed to run tauri-build");
}
