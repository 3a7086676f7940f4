//! What a local process (or the browser) sends the sign-in listener.
#![no_main]
libfuzzer_sys::fuzz_target!(|head: &str| {
    let _ = elevate_core::auth::redirect_query(head);
});
