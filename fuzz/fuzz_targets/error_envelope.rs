//! Error envelopes and claims challenges, any bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|input: (u16, &[u8], &str)| {
    let (status, body, header) = input;
    let e = elevate_core::http::parse_error(status, body, None, Some(header), None);
    let _ = e.to_string();
    let _ = elevate_core::http::policy_rules(header);
});
