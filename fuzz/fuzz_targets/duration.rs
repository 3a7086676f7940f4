//! Durations from policies, forms, the CLI and files: parsed or refused, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Ok(d) = elevate_core::policy::parse_duration(text) {
        let _ = elevate_core::policy::parse_duration(&elevate_core::policy::iso(d));
    }
});
