//! Start-up smoke test at 10k services (30k apps): generation, determinism, list with fields.

mod common;

use flightdeck_sim::{Sim, SimClock, SimOptions};

#[tokio::test]
async fn ten_thousand_services_start_and_list() {
    let opts =
        || SimOptions { services: 10_000, seed: 42, clock: SimClock::Manual, chaos: false, ..SimOptions::default() };
    let started = std::time::Instant::now();
    let sim = Sim::start(opts()).await.unwrap();
    let elapsed = started.elapsed();
    // Generous bound for unoptimised test builds on a shared 2-core machine.
    assert!(elapsed.as_secs() < 20, "start-up took {elapsed:?}");
    let names = sim.app_names(2);
    assert_eq!(names.len(), 10_000);
    let other = Sim::start(opts()).await.unwrap();
    assert_eq!(other.app_names(2), names, "same seed → same estate");
    let a = sim.app_json(2, &names[123]).unwrap();
    let b = other.app_json(2, &names[123]).unwrap();
    assert_eq!(a["status"]["summary"], b["status"]["summary"]);
    assert_eq!(a["status"]["history"].as_array().unwrap().len(), b["status"]["history"].as_array().unwrap().len());
    let inst = &sim.instances()[2];
    let (s, list) =
        common::get(&inst.base_url, &inst.token, "/api/v1/applications?fields=items.metadata.name,items.status.health")
            .await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 10_000);
    other.shutdown().await;
    sim.shutdown().await;
}
