//! Elevate's tray app; everything is in the library (lib.rs).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    elevate_app::run()
}
