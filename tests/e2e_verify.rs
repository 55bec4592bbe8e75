//! Verification end to end against the simulator (its probes pass or fail on purpose) and its
//! real Git repository: the policy names an HTTP check for staging; a version whose check
//! fails in staging is refused on its way to prod, naming the check, and nothing is committed
//! or filed; once `flightdeck verify` records it passing, the promotion goes ahead (here: an
//! approval request, as the policy asks of prod). A change followed to healthy (`--wait`) is
//! verified at once and a failing check is said and recorded.

mod common;

use std::path::Path;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

fn image(sim: &Sim, instance: usize, app: &str) -> String {
    sim.app_json(instance, app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap().to_string()
}

fn head(bare: &Path) -> String {
    Git::new().run(bare, &["rev-parse", "main"]).unwrap().stdout.trim().to_string()
}

/// Services (sorted) that staging runs healthy and prod does not run yet.
fn promotable_to_prod(sim: &Sim) -> Vec<String> {
    let mut staging = sim.app_names(1);
    staging.sort();
    staging
        .iter()
        .filter(|a| sim.app_json(1, a).unwrap()["status"]["health"]["status"] == "Healthy")
        .map(|a| common::service_of(a, "staging"))
        .filter(|s| image(sim, 1, &format!("{s}-staging")) != image(sim, 2, &format!("{s}-prod")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_verification_blocks_the_next_promotion_until_it_passes() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    common::commit_policy_with_a_staging_check(&sim, home);
    common::operator_config(&sim, home, "dave");
    let service = promotable_to_prod(&sim).into_iter().next().expect("a service staging can promote");
    let bare = sim.git_dir().unwrap();
    let before = head(&bare);

    // staging's probe fails: the way to prod is refused, naming the check; nothing happens.
    sim.set_probe("staging", &service, 503);
    let args = ["promote", &service, "--from", "staging", "--to", "prod", "--ticket", "CHG-3", "--reason", "go"];
    let out = common::run_as(home, "dave", &args).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "refused: stdout {stdout}\nstderr {stderr}");
    assert!(stderr.contains("check \"smoke\" failed (HTTP 503, expected 200)"), "{stderr}");
    assert!(stderr.contains(&format!("flightdeck verify {service} --env staging")), "what to do: {stderr}");
    assert!(!stdout.contains("req-") && !stdout.contains("newTag"), "nothing planned or filed: {stdout}");
    assert_eq!(head(&bare), before, "nothing committed");

    // Fixed, but the trail still says it failed: refused again without probing anew.
    sim.set_probe("staging", &service, 200);
    let again = common::run_as(home, "dave", &args).await;
    assert_eq!(again.status.code(), Some(3), "{}", common::text(&again.stderr));

    // Verified again: recorded as passed, and the promotion goes ahead (prod asks approvals).
    let out = common::run_as(home, "dave", &["verify", &service, "--env", "staging"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).contains("✓ smoke: HTTP 200"), "{}", common::text(&out.stdout));
    let out = common::run_as(home, "dave", &args).await;
    let said = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", common::text(&out.stderr));
    assert!(said.contains("approval request req-"), "allowed once verified: {said}");

    // The trail has both verifications and the refusals, in the one record shape.
    let trail = common::run_as(home, "dave", &["audit", "-o", "json"]).await;
    let text = common::text(&trail.stdout);
    assert!(text.contains("\"verification\""), "{text}");
    assert!(text.contains("failed: check \\\"smoke\\\": HTTP 503, expected 200"), "{text}");
    assert!(text.contains("\"passed\""), "{text}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_followed_to_healthy_is_verified_at_once() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    common::commit_policy_with_a_staging_check(&sim, home);
    let cfg = common::operator_config(&sim, home, "dave");
    let mut dev = sim.app_names(0);
    dev.sort();
    let service = dev
        .iter()
        .map(|a| common::service_of(a, "dev"))
        .find(|s| image(&sim, 0, &format!("{s}-dev")) != image(&sim, 1, &format!("{s}-staging")))
        .expect("a service dev can promote");
    sim.set_probe("staging", &service, 500);
    let args = ["promote", &service, "--from", "dev", "--to", "staging", "--wait"];
    let out = common::finish_advancing(&sim, 1, 0, common::headless(&cfg, home, &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "deployed but not verified: {stderr}");
    assert!(stderr.contains(&format!("✗ {service}: check smoke: HTTP 500, expected 200")), "{stderr}");
    assert!(stderr.contains(&format!("deployed, but {service} in staging failed check \"smoke\"")), "{stderr}");
    let tag = image(&sim, 0, &format!("{service}-dev"));
    assert_eq!(image(&sim, 1, &format!("{service}-staging")), tag, "the deploy itself happened");
    // The run's record says what became of it; the verification has its own record.
    let trail = common::finish(common::headless(&cfg, home, &["audit", "-o", "json"])).await;
    let text = common::text(&trail.stdout);
    assert!(text.contains("failed: deployed, but"), "{text}");
    assert!(text.contains("failed: check \\\"smoke\\\": HTTP 500, expected 200"), "{text}");
    sim.shutdown().await;
}
