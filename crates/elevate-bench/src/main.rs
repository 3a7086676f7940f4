//! `make bench`: Elevate's figures against elevate-sim, each beside its goal, side by side
//! with the naive way (listing per subscription, as several existing tools do). Writes
//! `{"name","value","unit","goal","lower_is_better"}` objects to the file given as the first
//! argument and prints a table. It reports; it never fails on a slow machine.

use std::sync::Arc;
use std::time::{Duration, Instant};

use elevate_core::auth::{Resource, Session};
use elevate_core::config::{Config, Defaults};
use elevate_core::http::{Http, Request};
use elevate_core::model::{Plane, Status};
use elevate_core::os::Clock;
use elevate_core::pim::Pim;
use elevate_core::planner::ActivationInput;
use elevate_core::secret::MemoryStore;
use elevate_sim::{Scenario, Settings, SimServer};
use serde_json::{json, Value};

const LATENCY_MS: u64 = 50;
const CLIENT: &str = "3b6f2d8e-5c1a-4f0b-9e7d-2a4c6b8e0f13";

struct SimClock(Arc<elevate_sim::Sim>);

impl Clock for SimClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.lock().tenant.now()
    }
}

/// The simulators' own runtime, on threads of their own: the client runs alone on the main
/// thread, so the CPU that thread spends is the client's, with no simulator work in it.
fn sim_runtime() -> Result<&'static tokio::runtime::Runtime, String> {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(rt) = RT.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("elevate-sim")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    Ok(RT.get_or_init(|| rt))
}

/// CPU time this thread has spent (Linux: the scheduler's own count, in nanoseconds);
/// `None` where it cannot be read, and the figure is then left out.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

struct Bench {
    sim: SimServer,
    session: Arc<Session>,
}

impl Bench {
    async fn start(scenario: Scenario) -> Result<Bench, String> {
        let settings = Settings {
            auto_sign_in: Some(scenario.default_user.clone()),
            device_code_interval: 1,
            ..Default::default()
        };
        let sim = sim_runtime()?
            .spawn(SimServer::start(scenario, settings))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let env = |k: &str| match k {
            "ELEVATE_CLOUD" => Some("custom".to_string()),
            "ELEVATE_TENANT_ID" => Some(sim.sim().tenant_id()),
            "ELEVATE_CLIENT_ID" => Some(CLIENT.to_string()),
            "ELEVATE_LOGIN_URL" => Some(sim.login_url()),
            "ELEVATE_GRAPH_URL" => Some(sim.graph_url()),
            "ELEVATE_ARM_URL" => Some(sim.arm_url()),
            _ => None,
        };
        let resolved = Config::default().resolve(&env).map_err(|e| e.to_string())?;
        let session = Session::new(
            resolved,
            Http::new().map_err(|e| e.to_string())?,
            Arc::new(MemoryStore::default()),
            Arc::new(elevate_core::auth::SystemOpener),
        );
        session
            .sign_in_device(|_| {})
            .await
            .map_err(|e| e.to_string())?;
        // Both tokens now, so that no figure includes a sign-in.
        for r in [Resource::Graph, Resource::Arm] {
            session.token(r, None).await.map_err(|e| e.to_string())?;
        }
        Ok(Bench {
            sim,
            session: Arc::new(session),
        })
    }

    fn pim(&self) -> Pim {
        Pim::new(
            self.session.clone(),
            Arc::new(SimClock(self.sim.sim().clone())),
        )
    }

    fn latency(&self, ms: u64) {
        self.sim.sim().lock().latency_ms = ms;
    }

    fn page_size(&self, n: usize) {
        let mut s = self.sim.sim().lock();
        s.tenant.settings.graph_page_size = n;
        s.tenant.settings.arm_page_size = n;
    }

    fn reset_counters(&self) {
        let mut s = self.sim.sim().lock();
        s.counters.clear();
        s.log.clear();
    }

    fn requests(&self) -> u64 {
        self.sim.sim().lock().total_requests()
    }

    /// The naive refresh: each Graph list on its own, then both ARM lists per subscription,
    /// one after the other, every page followed.
    async fn naive_refresh(&self) -> Result<usize, String> {
        let graph = self
            .session
            .token(Resource::Graph, None)
            .await
            .map_err(|e| e.to_string())?;
        let arm = self
            .session
            .token(Resource::Arm, None)
            .await
            .map_err(|e| e.to_string())?;
        let http = self.session.http();
        let g = self.sim.graph_url();
        let mut urls: Vec<(String, bool)> = [
            "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
            "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances/filterByCurrentUser(on='principal')",
            "/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances/filterByCurrentUser(on='principal')",
            "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances/filterByCurrentUser(on='principal')",
        ]
        .iter()
        .map(|p| (format!("{g}{p}"), true))
        .collect();
        let subs: Vec<String> = self
            .sim
            .sim()
            .lock()
            .tenant
            .scenario
            .azure_scopes
            .iter()
            .filter(|s| s.kind == "subscription")
            .map(|s| s.id.clone())
            .collect();
        for sub in &subs {
            for kind in [
                "roleEligibilityScheduleInstances",
                "roleAssignmentScheduleInstances",
            ] {
                urls.push((
                    format!(
                        "{}{sub}/providers/Microsoft.Authorization/{kind}?api-version=2020-10-01&$filter=asTarget()",
                        self.sim.arm_url()
                    ),
                    false,
                ));
            }
        }
        let mut items = 0;
        for (first, is_graph) in urls {
            let token = if is_graph { &graph } else { &arm };
            let mut next = Some(first);
            while let Some(url) = next {
                let resp = http
                    .send(&Request::get(&url, token))
                    .await
                    .map_err(|e| e.to_string())?;
                let v: Value = resp.json().map_err(|e| e.to_string())?;
                items += v["value"].as_array().map_or(0, Vec::len);
                next = v["@odata.nextLink"]
                    .as_str()
                    .or(v["nextLink"].as_str())
                    .map(str::to_string);
            }
        }
        Ok(items)
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn figure(name: &str, value: f64, unit: &str, goal: Option<f64>, lower_is_better: bool) -> Value {
    json!({"name": name, "value": (value * 100.0).round() / 100.0, "unit": unit, "goal": goal, "lower_is_better": lower_is_better})
}

async fn run() -> Result<Vec<Value>, String> {
    let mut out = vec![];
    let lat = LATENCY_MS as f64;

    // 1-2. Full refresh on `large`, cold and warm, and the naive baseline, same run. First
    // with pages of up to 1,000 items (each list in one page, what the goals assume), then
    // with the simulator's stress setting of 50 per page (40 pages chained for 2,000).
    let bench = Bench::start(Scenario::builtin("large")?).await?;
    bench.latency(LATENCY_MS);
    let mut warm_requests = 0;
    for (page, suffix) in [(1000usize, ""), (50, "_pages_of_50")] {
        bench.page_size(page);
        let pim = bench.pim();
        bench.reset_counters();
        let t = Instant::now();
        let snap = pim.refresh().await;
        let cold = t.elapsed();
        let cold_requests = bench.requests();
        if !snap.failures.is_empty() {
            return Err(format!("the refresh failed: {:?}", snap.failures));
        }
        let eligible = snap
            .assignments
            .iter()
            .filter(|a| a.status == Status::Eligible)
            .count();
        bench.reset_counters();
        let t = Instant::now();
        pim.refresh().await;
        let warm = t.elapsed();
        if suffix.is_empty() {
            warm_requests = bench.requests();
        }
        let warm_count = bench.requests();
        bench.reset_counters();
        let t = Instant::now();
        let naive_items = bench.naive_refresh().await?;
        let naive = t.elapsed();
        let naive_requests = bench.requests();
        eprintln!("large, pages of {page}: {eligible} eligible listed by Elevate, {naive_items} items by the naive lister");
        let n = |name: &str| format!("{name}{suffix}");
        let goal = |g: f64| if suffix.is_empty() { Some(g) } else { None };
        out.push(figure(
            &n("refresh_cold_requests"),
            cold_requests as f64,
            "requests",
            None,
            true,
        ));
        out.push(figure(
            &n("refresh_cold_x_latency"),
            ms(cold) / lat,
            "x latency",
            goal(3.0),
            true,
        ));
        out.push(figure(
            &n("refresh_warm_requests"),
            warm_count as f64,
            "requests",
            None,
            true,
        ));
        // The floor is the longest chain of dependent round trips: the ARM list's pages
        // (each nextLink waits for the page before it); 0.2 is left for the client.
        let arm_eligible = snap
            .assignments
            .iter()
            .filter(|a| a.status == Status::Eligible && a.plane == Plane::AzureResource)
            .count();
        let depth = arm_eligible.div_ceil(page).max(1) as f64;
        out.push(figure(
            &n("refresh_warm_x_latency"),
            ms(warm) / lat,
            &format!("x latency (ARM page chain {depth} deep)"),
            goal(depth + 0.2),
            true,
        ));
        out.push(figure(
            &n("naive_refresh_requests"),
            naive_requests as f64,
            "requests",
            None,
            true,
        ));
        out.push(figure(
            &n("naive_refresh_x_latency"),
            ms(naive) / lat,
            "x latency",
            None,
            true,
        ));
        out.push(figure(
            &n("naive_over_elevate_requests"),
            naive_requests as f64 / (warm_count.max(1) as f64),
            "x fewer requests than the naive lister (warm)",
            goal(20.0),
            false,
        ));
        out.push(figure(
            &n("naive_over_warm_time_ratio"),
            ms(naive) / ms(warm).max(0.1),
            "x",
            None,
            false,
        ));
        if suffix.is_empty() {
            // What is not waiting: the warm refresh without latency (median of 5), as wall
            // time (client and simulator) and as the client's own CPU (the main thread,
            // where the client alone runs; the simulator works on its own threads).
            bench.latency(0);
            let mut wall = vec![];
            let mut cpu = vec![];
            for _ in 0..5 {
                let (t, c) = (Instant::now(), thread_cpu());
                pim.refresh().await;
                wall.push(ms(t.elapsed()));
                if let (Some(c0), Some(c1)) = (c, thread_cpu()) {
                    cpu.push(ms(c1.saturating_sub(c0)));
                }
            }
            wall.sort_by(f64::total_cmp);
            cpu.sort_by(f64::total_cmp);
            bench.latency(LATENCY_MS);
            out.push(figure(
                "refresh_warm_at_0_latency_ms",
                wall[2],
                "ms wall (client + simulator, median of 5)",
                None,
                true,
            ));
            if cpu.len() == 5 {
                out.push(figure(
                    "refresh_warm_client_cpu_ms",
                    cpu[2],
                    &format!("ms CPU of the client alone, {eligible} eligible, 0 ms latency (median of 5)"),
                    Some(30.0),
                    true,
                ));
            }
        }
    }
    bench.page_size(1000);
    let pim = bench.pim();
    pim.refresh().await;

    // The request count must not grow with the subscriptions: 10 against 300.
    let small = Bench::start(Scenario::large(10, 50, 2000)).await?;
    small.page_size(1000);
    let small_pim = small.pim();
    small_pim.refresh().await;
    small.reset_counters();
    small_pim.refresh().await;
    out.push(figure(
        "refresh_warm_requests_10_subscriptions",
        small.requests() as f64,
        "requests",
        Some(warm_requests as f64),
        true,
    ));

    // 3. Activation: local overhead (no latency; warm policy cache), then at 50 ms.
    bench.latency(0);
    let snap = pim.refresh().await;
    let mut eligible: Vec<_> = snap
        .assignments
        .iter()
        .filter(|a| {
            a.status == Status::Eligible
                && a.policy
                    .as_ref()
                    .is_some_and(|p| !p.approval && p.auth_context.is_none() && !p.ticket)
        })
        .cloned()
        .collect();
    if eligible.len() < 6 {
        return Err("the large scenario lacks plain eligible roles".into());
    }
    let input = ActivationInput {
        justification: Some("benchmark".into()),
        duration: Some(chrono::Duration::hours(1)),
        ..Default::default()
    };
    let defaults = Defaults::default();
    let mut local = vec![];
    for a in eligible.drain(..5) {
        let t = Instant::now();
        let plan = pim
            .plan(&a, &input, &defaults)
            .await
            .map_err(|e| e.to_string())?;
        pim.activate(&a, &plan).await.map_err(|e| e.to_string())?;
        local.push(t.elapsed());
    }
    local.sort();
    let median = local[local.len() / 2];
    out.push(figure(
        "activation_local_overhead_ms",
        ms(median),
        "ms (median of 5, incl. the loopback round trip)",
        Some(20.0),
        true,
    ));
    bench.latency(LATENCY_MS);
    let a = eligible.remove(0);
    let t = Instant::now();
    let plan = pim
        .plan(&a, &input, &defaults)
        .await
        .map_err(|e| e.to_string())?;
    pim.activate(&a, &plan).await.map_err(|e| e.to_string())?;
    out.push(figure(
        "activation_x_latency",
        ms(t.elapsed()) / lat,
        "x latency",
        None,
        true,
    ));
    Ok(out)
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench/core.json".into());
    // The client on this thread alone (see `thread_cpu`).
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("elevate-bench: {e}");
            std::process::exit(1);
        }
    };
    match rt.block_on(run()) {
        Ok(figures) => {
            if let Some(dir) = std::path::Path::new(&path).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let text = serde_json::to_string_pretty(&figures).unwrap_or_default();
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("elevate-bench: cannot write {path}: {e}");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("elevate-bench: {e}");
            std::process::exit(1);
        }
    }
}
