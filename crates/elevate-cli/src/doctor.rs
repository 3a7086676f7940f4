//! `elevatectl doctor`: the connection check (a thin adapter over the service): the copyable
//! text report, or `--json`; exit 4 when a check fails.

use std::sync::Arc;

use elevate_core::{Elevate, Error};

use crate::output::{self, OK, SERVICE};

pub async fn run(e: &Arc<Elevate>, json: bool) -> Result<u8, Error> {
    let report = e.doctor().await;
    if output::wants_data(json) {
        output::print_data(&report);
    } else {
        print!("{}", report.text);
    }
    Ok(if report.ok { OK } else { SERVICE })
}
