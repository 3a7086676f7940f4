//! Graph and ARM list items, as the network hands them.
#![no_main]
use elevate_core::{model::Plane, parse};
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(item) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    for active in [false, true] {
        let _ = parse::entra(&item, active);
        let _ = parse::group(&item, active);
        let _ = parse::azure(&item, active);
    }
    let _ = parse::pending_azure(&item);
    let _ = parse::pending_graph(&item, Plane::Group, &|_| None);
});
