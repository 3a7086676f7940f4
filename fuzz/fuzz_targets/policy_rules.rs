//! Policy rules, any JSON.
#![no_main]
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(serde_json::Value::Array(rules)) = serde_json::from_slice(bytes) {
        let _ = elevate_core::policy::summarize(&rules);
    }
});
