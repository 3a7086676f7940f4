//! Declares the app's commands (one list, src/command_list.rs) so that tauri-build generates
//! their `allow-*` permissions, and generates the handler that registers exactly those.
fn main() {
    // generate_context! embeds ui/dist at compile time; rebuild when the bundle changes.
    println!("cargo:rerun-if-changed=ui/dist");
    println!("cargo:rerun-if-changed=src-tauri/src/command_list.rs");
    let commands: &[&str] = include!("src/command_list.rs");
    let paths: Vec<String> = commands
        .iter()
        .map(|c| format!("crate::commands::{c}"))
        .collect();
    let handler = format!("tauri::generate_handler![{}]", paths.join(", "));
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(std::path::Path::new(&out).join("handler.rs"), handler)
        .expect("writing the generated handler");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("failed to run tauri-build");
}
